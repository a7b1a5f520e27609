"""The ports test servers get cannot be taken by an outgoing connection before the server binds them."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.fixtures.ports import LOWEST, _bindable, free_port


def test_a_free_port_is_bindable_and_below_the_range_outgoing_connections_draw_from() -> None:
    ephemeral_start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = {free_port() for _ in range(20)}

    assert all(LOWEST <= port < ephemeral_start for port in ports)
    for port in ports:
        with socket.socket() as server:
            server.bind(("127.0.0.1", port))


def test_a_port_something_listens_on_is_never_handed_out(monkeypatch) -> None:
    base = next(port for port in range(LOWEST, LOWEST + 1000, 2) if _bindable(port) and _bindable(port + 1))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", base))
        taken.listen()
        # Only two candidates, the taken port and the next one: the taken one must be skipped.
        monkeypatch.setattr("tests.fixtures.ports.LOWEST", base)
        monkeypatch.setattr("tests.fixtures.ports._ephemeral_start", lambda: base + 2)
        monkeypatch.setattr("tests.fixtures.ports._TRIES", 2)

        assert {free_port() for _ in range(10)} == {base + 1}
