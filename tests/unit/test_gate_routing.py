"""app.py's gate as an ASGI middleware, driven by Starlette's test client around a stand-in for Streamlit."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from core.domain.link_limits import MAX_QUERY_PARAMS, query_would_be_dropped
from web.gate import AccessGate, is_open


async def _streamlit(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"streamlit saw {request.url.path}?{request.url.query}")


@pytest.fixture
def client(tmp_path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))  # an open app: no APP_PASSWORD, no [auth]
    inner = Starlette(routes=[Route("/{path:path}", _streamlit, methods=["GET", "PUT"])])
    return TestClient(AccessGate(inner), follow_redirects=False)


def _query(count: int) -> str:
    return "&".join(f"tag=t{index}" for index in range(count))


def test_streamlits_own_limit_is_counted_the_way_streamlit_counts_it() -> None:
    assert not query_would_be_dropped(_query(MAX_QUERY_PARAMS))
    assert query_would_be_dropped(_query(MAX_QUERY_PARAMS + 1))
    assert query_would_be_dropped("q=" + "x" * (512 * 1024))
    assert not query_would_be_dropped("")


def test_a_page_link_with_more_than_1000_parameters_is_redirected_to_the_page_with_only_the_marker(
    client: TestClient,
) -> None:
    answer = client.get(f"/history?{_query(1001)}")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/history?too_many_params=1"


def test_a_page_link_within_the_limit_reaches_streamlit_untouched(client: TestClient) -> None:
    answer = client.get(f"/history?{_query(1000)}")

    assert answer.status_code == 200 and answer.text.startswith("streamlit saw /history?tag=t0&")


def test_streamlits_endpoints_and_static_files_are_not_redirected_for_their_queries(client: TestClient) -> None:
    assert client.get(f"/_stcore/health?{_query(1001)}").status_code == 200
    assert client.get(f"/static/js/main.js?{_query(1001)}").status_code == 200


def test_only_the_sign_in_form_health_checks_and_static_files_are_open_paths() -> None:
    assert all(is_open(path) for path in ("/sign-in", "/readyz", "/_stcore/health", "/static/x.js", "/favicon.png"))
    closed = ("/", "/history", "/_stcore/stream", "/_stcore/upload_file/s/f", "/media/a.png", "/_stcore/agent/mcp")
    assert not any(is_open(path) for path in closed)


def test_sign_in_follows_only_the_apps_own_paths_with_their_query() -> None:
    from web.sign_in import safe_next

    assert safe_next("/history?q=lighthouse&view=gallery") == "/history?q=lighthouse&view=gallery"
    for elsewhere in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "history", "/sign-in", None):
        assert safe_next(elsewhere) == "/", elsewhere


@pytest.fixture
def sign_in_client(tmp_path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    from web.sign_in import ROUTES

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("APP_PASSWORD", "right")
    return TestClient(Starlette(routes=ROUTES), base_url="http://speak.example:8080", follow_redirects=False)


def test_a_sign_in_posted_from_another_site_is_refused_but_one_through_a_proxy_that_drops_the_port_is_not(
    sign_in_client: TestClient,
) -> None:
    form = {"password": "right", "next": "/history"}

    foreign = sign_in_client.post("/sign-in", data=form, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
    proxied = sign_in_client.post(
        "/sign-in", data=form, headers={"Origin": "https://speak.example:8443", "Host": "speak.example"}
    )
    assert proxied.status_code == 303 and proxied.headers["location"] == "/history"
    assert "HttpOnly" in proxied.headers["set-cookie"]


def test_a_half_given_configuration_keeps_the_gate_shut_and_the_form_says_what_to_fix_without_a_loop(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.sign_in import ROUTES

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DB_HOST", "db.example")  # without DB_NAME and the rest: an error, never a fall-back
    inner = Starlette(routes=[*ROUTES, Route("/{path:path}", _streamlit)])
    client = TestClient(AccessGate(inner), follow_redirects=False)

    assert client.get("/history").headers["location"] == "/sign-in?next=%2Fhistory"
    form = client.get("/sign-in?next=%2Fhistory")
    assert form.status_code == 503 and "DB_NAME" in form.text
    assert client.put("/_stcore/upload_file/s/f", content=b"x").status_code == 401


def _answer_to(gate: AccessGate, path: str, query: str) -> tuple[int, dict[str, str]]:
    """The gate's answer for a raw request line: a test client would read `//host/x` as another host."""
    import asyncio

    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"speak.example")],
        "client": ("127.0.0.1", 50000),
    }
    asyncio.run(gate(scope, receive, send))
    start = sent[0]
    return start["status"], {name.decode(): value.decode("latin-1") for name, value in start["headers"]}


@pytest.mark.parametrize(
    "parsed_path",
    ["//evil.example/x", "/\\evil.example/x", "/\\/evil.example/x", "/\t/evil.example/x"],
    ids=["double-slash", "backslash", "backslash-slash", "tab"],
)
def test_a_link_with_too_many_parameters_never_redirects_off_the_site(
    tmp_path, monkeypatch: pytest.MonkeyPatch, parsed_path: str
) -> None:
    # `/%2Fevil.example/x` and `/%5Cevil.example/x` reach the gate parsed as the first two paths.
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    gate = AccessGate(Starlette(routes=[Route("/{path:path}", _streamlit)]))

    status, headers = _answer_to(gate, parsed_path, _query(1001))

    assert status == 303
    assert headers["location"] == "/?too_many_params=1"


def test_a_stranger_with_too_many_parameters_gets_only_the_sign_in_form_with_a_quoted_return_address(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("APP_PASSWORD", "right")
    gate = AccessGate(Starlette(routes=[Route("/{path:path}", _streamlit)]))

    status, headers = _answer_to(gate, "//evil.example/x", _query(1001))

    assert status == 303 and headers["location"].startswith("/sign-in?next=%2F%2Fevil.example")


def test_a_long_page_address_keeps_its_own_path_quoted_in_the_marker(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    gate = AccessGate(Starlette(routes=[Route("/{path:path}", _streamlit)]))

    assert _answer_to(gate, "/history", _query(1001))[1]["location"] == "/history?too_many_params=1"
    assert _answer_to(gate, "/", _query(1001))[1]["location"] == "/?too_many_params=1"
    assert _answer_to(gate, "/hist ory", _query(1001))[1]["location"] == "/hist%20ory?too_many_params=1"


@pytest.mark.parametrize("origin_headers", [{"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}], ids=str)
def test_a_post_from_a_sandboxed_frame_or_a_cross_site_page_is_refused_like_a_foreign_origin(
    sign_in_client: TestClient, origin_headers: dict[str, str]
) -> None:
    form = {"password": "right", "next": "/history"}

    signed_in = sign_in_client.post("/sign-in", data=form, headers=origin_headers)
    signed_out = sign_in_client.post("/sign-out", headers=origin_headers)

    assert signed_in.status_code == 403 and "set-cookie" not in signed_in.headers
    assert signed_out.status_code == 403 and "set-cookie" not in signed_out.headers


@pytest.mark.parametrize("expiry", [float("inf"), 10**400, "99999999999"], ids=["Infinity", "10^400", "a string"])
def test_a_correctly_signed_pass_with_a_malformed_expiry_gets_401_not_500_nor_endless_access(
    tmp_path, monkeypatch: pytest.MonkeyPatch, expiry: object
) -> None:
    from core.access.password import _serializer
    from core.app import process
    from core.config.settings import Secret

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("APP_PASSWORD", "right")
    current = process.services_for(process.current_settings({}))
    process.migrate_once(current)
    forged = _serializer(Secret("right"), current.access.pass_secret()).dumps({"n": None, "e": expiry, "i": "x"})
    client = TestClient(AccessGate(Starlette(routes=[Route("/{path:path}", _streamlit, methods=["GET", "PUT"])])))

    client.cookies.set("speak_access", str(forged))
    upload = client.put("/_stcore/upload_file/s/f", content=b"x")

    assert upload.status_code == 401


def test_a_pass_that_cannot_be_checked_because_the_database_is_down_gets_401_not_500(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("APP_PASSWORD", "right")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/nothing")  # refused at once
    client = TestClient(AccessGate(Starlette(routes=[Route("/{path:path}", _streamlit, methods=["GET", "PUT"])])))
    client.cookies.set("speak_access", "e30.e30")

    assert client.put("/_stcore/upload_file/s/f", content=b"x").status_code == 401
    assert client.get("/history", follow_redirects=False).headers["location"] == "/sign-in?next=%2Fhistory"
