"""The gate of `streamlit run app.py`, spoken to over real TCP from several loopback addresses (no browser).

Wrong passwords from 127.0.0.2 lock out 127.0.0.2 only; a pass from one replica opens another sharing its
database and not another deployment with the same password; redirects never leave the site; `Origin: null`
is refused; `/readyz` keeps its details for the signed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, StreamlitServer, app_environment, running_streamlit

pytestmark = pytest.mark.e2e

PASSWORD = "demo day 2026"


def client_from(address: str, base_url: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=base_url, transport=transport, follow_redirects=False, timeout=30)


def environment(data_dir: Path) -> dict[str, str]:
    return app_environment({"APP_PASSWORD": PASSWORD, "PRELOAD_MODELS": "false"}, data_dir)


def raw_get(client: httpx.Client, path_and_query: str) -> httpx.Response:
    """GET with this exact request target: joined to a base URL, `//evil.example/x` would be rewritten."""
    return client.get(client.base_url.copy_with(raw_path=path_and_query.encode()))


def sign_in(client: httpx.Client, password: str = PASSWORD, **headers: str) -> httpx.Response:
    return client.post("/sign-in", data={"password": password, "next": "/history"}, headers=headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """One gated server for the tests of a single deployment; each speaks from loopback addresses of its own, so
    one test's spent budget keeps out nobody in another."""
    folder = tmp_path_factory.mktemp("gate-http")
    with running_streamlit(environment(folder / "data"), folder / "app", ARTIFACTS / "gate-http.log") as running:
        yield running


def test_a_strangers_guesses_from_one_address_keep_out_only_that_address(server: StreamlitServer) -> None:
    stranger, visitor = client_from("127.0.0.2", server.url), client_from("127.0.0.3", server.url)

    guesses = [sign_in(stranger, f"guess {n}").status_code for n in range(11)]
    assert guesses == [401] * 10 + [429], server.log_tail()
    assert sign_in(stranger).status_code == 429

    welcomed = sign_in(visitor)
    assert welcomed.status_code == 303 and welcomed.headers["location"] == "/history"
    assert visitor.get("/history").status_code == 200, "the pass opens the app"


def test_redirects_stay_on_the_site_and_null_origins_and_strangers_learn_little(server: StreamlitServer) -> None:
    stranger = client_from("127.0.0.4", server.url)
    many = "&".join(["a=1"] * 1001)
    for path in ("//evil.example/x", "/%2Fevil.example/x", "/%5Cevil.example/x"):
        location = raw_get(stranger, f"{path}?{many}").headers["location"]
        assert location.startswith("/sign-in?next=%2F"), (path, location)
    assert sign_in(stranger, Origin="null").status_code == 403
    assert stranger.post("/sign-out", headers={"Origin": "null"}).status_code == 403
    assert "detail" not in str(stranger.get("/readyz").json()["parts"])

    member = client_from("127.0.0.5", server.url)
    assert sign_in(member).status_code == 303
    for path in ("//evil.example/x", "/%2Fevil.example/x", "/%5Cevil.example/x"):
        answer = raw_get(member, f"{path}?{many}")
        assert (answer.status_code, answer.headers["location"]) == (303, "/?too_many_params=1"), path
    assert "schema revision" in member.get("/readyz").json()["parts"]["database"]["detail"]


def test_a_pass_opens_every_replica_of_its_deployment_and_no_other_deployment(
    server: StreamlitServer, tmp_path: Path, artifacts: Path
) -> None:
    shared = environment(tmp_path / "shared")  # `server` is another deployment: its own data, the same password
    with ExitStack() as stack:
        replica_a, replica_b = (
            stack.enter_context(running_streamlit(shared, tmp_path / name, artifacts / f"gate-{name}.log"))
            for name in ("replica-a", "replica-b")
        )
        signed_in = sign_in(client_from("127.0.0.6", replica_a.url))
        assert signed_in.status_code == 303
        token = signed_in.cookies["speak_access"]

        for deployment, expected in ((replica_b, 200), (server, 303)):
            holder = client_from("127.0.0.6", deployment.url)
            holder.cookies.set("speak_access", token)
            answer = holder.get("/history")
            assert answer.status_code == expected, deployment.url
