"""Wrong passwords are counted per client address: whose address a sign-in comes from, and what that buys."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.access.policy import Throttled
from web.sign_in import client_address

PROXY = ("10.0.0.0/8",)


def test_without_trusted_proxies_the_peer_is_the_client_and_forwarded_for_is_ignored() -> None:
    assert client_address("192.0.2.1", ["198.51.100.9"], ()) == "192.0.2.1"


def test_behind_a_trusted_proxy_the_right_most_address_it_did_not_add_is_the_client() -> None:
    # The client wrote "203.0.113.66" itself; nginx appended the address it saw, 192.0.2.1.
    assert client_address("10.0.0.5", ["203.0.113.66, 192.0.2.1"], PROXY) == "192.0.2.1"
    assert client_address("10.0.0.5", ["203.0.113.66", "192.0.2.1, 10.1.1.1"], PROXY) == "192.0.2.1"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_choose_its_address() -> None:
    assert client_address("192.0.2.1", ["203.0.113.66"], PROXY) == "192.0.2.1"


def test_ipv6_clients_are_counted_per_64_block_and_mapped_ipv4_as_ipv4() -> None:
    assert client_address("2001:db8:1:2:aaaa::1", [], ()) == "2001:db8:1:2::/64"
    assert client_address("2001:db8:1:2:bbbb::9", [], ()) == "2001:db8:1:2::/64"
    assert client_address("::ffff:192.0.2.1", [], ()) == "192.0.2.1"


def test_when_every_hop_is_a_trusted_proxy_the_left_most_is_the_client() -> None:
    assert client_address("10.0.0.5", ["10.2.2.2"], PROXY) == "10.2.2.2"


def _client_at(address: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    from web.sign_in import ROUTES

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("APP_PASSWORD", "right")
    return TestClient(Starlette(routes=ROUTES), client=(address, 50000), follow_redirects=False)


def test_a_stranger_who_spent_their_budget_keeps_nobody_else_out(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    stranger, visitor = (_client_at(address, tmp_path, monkeypatch) for address in ("127.0.0.2", "127.0.0.3"))
    wrong = [stranger.post("/sign-in", data={"password": f"guess {n}"}).status_code for n in range(11)]

    assert wrong == [401] * 10 + [429]
    assert stranger.post("/sign-in", data={"password": "right"}).status_code == 429
    welcomed = visitor.post("/sign-in", data={"password": "right", "next": "/history"})
    assert welcomed.status_code == 303 and welcomed.headers["location"] == "/history"


def test_behind_the_listed_proxy_each_forwarded_client_has_its_own_budget(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1")
    proxy = _client_at("127.0.0.1", tmp_path, monkeypatch)
    for n in range(11):  # a stranger behind the proxy, faking a different address on each guess
        proxy.post("/sign-in", data={"password": f"g{n}"}, headers={"X-Forwarded-For": f"198.51.100.{n}, 192.0.2.7"})

    locked = proxy.post("/sign-in", data={"password": "right"}, headers={"X-Forwarded-For": "192.0.2.7"})
    other = proxy.post("/sign-in", data={"password": "right"}, headers={"X-Forwarded-For": "192.0.2.8"})

    assert locked.status_code == 429 and other.status_code == 303


def test_a_client_that_spent_its_budget_is_told_to_wait_so_many_seconds_and_that_others_are_not_held_back(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stranger = _client_at("127.0.0.2", tmp_path, monkeypatch)
    for n in range(10):
        stranger.post("/sign-in", data={"password": f"guess {n}"})

    locked = stranger.post("/sign-in", data={"password": "guess 10"})

    seconds = int(locked.headers["retry-after"])
    assert locked.status_code == 429 and 1 <= seconds <= 300
    assert f"typed from your address. Wait {seconds} seconds, then type the password again." in locked.text
    assert "Other people can still sign in" in locked.text and "everyone" not in locked.text


@pytest.mark.parametrize(
    ("throttled", "said"),
    [
        (Throttled(0.2), "from your address. Wait 1 second, then type the password again."),
        (Throttled(29.01), "from your address. Wait 30 seconds, then type the password again."),
        (Throttled(60, everyone=True), "signing in is paused for everyone. Wait 60 seconds, then type"),
    ],
)
def test_the_wait_is_said_in_whole_seconds_and_for_whom(throttled: Throttled, said: str) -> None:
    assert said in throttled.message
    assert f"Wait {throttled.retry_after_s} second" in throttled.message
