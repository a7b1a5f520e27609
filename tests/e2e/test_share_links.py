"""Share links on a fresh `streamlit run app.py` with APP_PASSWORD: /s/<token> over HTTP, then in Chromium.

The link shows its images (and only them) to someone without the password; the app's pages, its media and
any other image still ask for the password; expired links answer 410; revoked, changed and unknown tokens,
and links whose image was deleted, all get the same bare 404.
"""

from __future__ import annotations

import io
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.app import gallery, sharing
from core.app.images import new_object_keys
from core.app.services import Services, build_services
from core.config.settings import load_settings
from core.config.specs import SETTINGS
from core.domain.records import NewRecord
from tests.e2e.conftest import StreamlitServer, running_streamlit
from tests.e2e.test_browser import PASSWORD, STEP_MS, assert_no_tracebacks
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.e2e

HOSTILE_PROMPT = '<script>alert("prompt")</script> a red kite & a "boat"'
WEEK = timedelta(days=7)


@dataclass
class SharingServer:
    server: StreamlitServer
    services: Services
    data_dir: Path
    ids: list[int]  # the hostile kite, a boat, a tower (never shared), a lighthouse

    def share(self, *ids: int, expires_in: timedelta = WEEK, now: datetime | None = None) -> sharing.NewShareLink:
        return sharing.create_link(
            self.services.shares,
            self.services.records,
            record_ids=ids,
            expires_in=expires_in,
            app_url=self.server.url,
            now=now,
        )


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body, following no redirect."""
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, {k.lower(): v for k, v in answer.headers.items()}, answer.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def changed(url: str) -> str:
    """The link with its token's last character changed."""
    return url[:-1] + ("A" if url[-1] != "A" else "B")


def png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (shade, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharingServer]:
    root = tmp_path_factory.mktemp("share")
    data_dir = root / "data"
    services = build_services(load_settings({"DATA_DIR": str(data_dir)}, dotenv_path=None))
    ids = []
    for n, prompt in enumerate([HOSTILE_PROMPT, "a boat", "a tall tower", "a lighthouse"]):
        key, _ = new_object_keys("png")
        data = png(40 * n)
        services.store.put(key, data, "image/png")
        record = NewRecord(
            prompt=prompt, image_filename=key, description=f"caption <b>{n}</b>", idempotency_key=f"share-{n}"
        )
        ids.append(services.records.add(record=record)[0].id)
    clean = {name: value for name, value in os.environ.items() if name not in {spec.name for spec in SETTINGS}}
    env = {**clean, "DATA_DIR": str(data_dir), "APP_PASSWORD": PASSWORD, "PRELOAD_MODELS": "false"}
    env.update({"HF_HUB_OFFLINE": "1", "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "PYTHONUNBUFFERED": "1"})
    log = Path(__file__).resolve().parents[1] / "artifacts" / "e2e" / "streamlit-share-links.log"
    try:
        with running_streamlit(env, root / "app", log, port=free_port()) as server:
            yield SharingServer(server, services, data_dir, ids)
            assert_no_tracebacks(server)
    finally:
        services.database.dispose()


def test_a_link_shows_its_image_with_prompt_and_caption_escaped_and_nothing_else(shared: SharingServer) -> None:
    kite = shared.ids[0]
    link = shared.share(kite)

    status, headers, body = fetch(link.url)
    page = body.decode()
    assert status == 200, page
    assert "&lt;script&gt;alert(&quot;prompt&quot;)&lt;/script&gt; a red kite &amp; a &quot;boat&quot;" in page
    assert "<script" not in page and "caption &lt;b&gt;0&lt;/b&gt;" in page
    assert "<a " not in page and "<form" not in page  # no way into the app
    for private in ("a boat", "a tall tower", str(shared.data_dir), "images/", "sqlite", "history"):
        assert private not in page, private
    assert headers["cache-control"] == "no-store" and headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]  # none: default-src 'none' forbids scripts

    status, headers, image = fetch(f"{link.url}/image/1")
    assert status == 200 and headers["content-type"] == "image/png" and image == png(0)
    assert fetch(f"{link.url}/image/2")[0] == 404  # one image shared: there is no second
    assert fetch(f"{link.url}/image/0")[0] == 404


def test_a_compare_link_shows_its_images_in_order_and_counts_views(shared: SharingServer) -> None:
    kite, boat, _, lighthouse = shared.ids
    link = shared.share(lighthouse, boat, kite)

    for _ in range(2):
        status, _, body = fetch(link.url)
        assert status == 200
    page = body.decode()
    assert page.count("<figure>") == 3 and page.index("a lighthouse") < page.index("a boat")
    assert fetch(f"{link.url}/image/3")[2] == png(0) and fetch(f"{link.url}/image/1")[2] == png(120)
    fetch(f"{link.url}/image/2")  # images are not views
    (listed,) = [item for item in sharing.live_links(shared.services.shares) if item.link_id == link.link.link_id]
    assert listed.views == 2


def test_everything_else_still_asks_for_the_password(shared: SharingServer) -> None:
    kite, *_ = shared.ids
    link = shared.share(kite)
    fetch(link.url)

    for path in ("/", "/history", f"/history?id={kite}", "/create"):
        status, headers, _ = fetch(shared.server.url + path)
        assert status == 303 and headers["location"].startswith("/sign-in"), path
    assert fetch(f"{shared.server.url}/media/0123456789abcdef.png")[0] == 401
    for path in ("/s/", "/s/a/b/c", f"/s/{link.token}/image/1/more"):  # the open prefix leads nowhere else
        assert fetch(shared.server.url + path)[0] == 404, path


def test_revoked_changed_unknown_and_deleted_links_get_the_same_bare_404_and_expired_ones_410(
    shared: SharingServer,
) -> None:
    _, boat, tower, _ = shared.ids
    revoked = shared.share(boat)
    sharing.revoke_link(shared.services.shares, revoked.url)
    changed_url = changed(shared.share(boat).url)
    expired = shared.share(boat, expires_in=timedelta(minutes=30), now=datetime.now(UTC) - timedelta(hours=1))
    doomed = shared.share(tower, boat)
    assert fetch(doomed.url)[0] == 200
    gallery.delete_records(shared.services.store, shared.services.records, [tower])

    answers = [fetch(url) for url in (revoked.url, changed_url, f"{shared.server.url}/s/{'x' * 43}", doomed.url)]
    assert {status for status, _, _ in answers} == {404}
    assert len({body for _, _, body in answers}) == 1, "no detail tells one refusal from another"
    assert answers[0][1]["cache-control"] == "no-store"
    assert fetch(f"{revoked.url}/image/1")[0] == 404 and fetch(f"{doomed.url}/image/2")[0] == 404
    assert fetch(expired.url)[0] == 410 and fetch(f"{expired.url}/image/1")[0] == 410


def test_a_stranger_opens_a_link_in_a_fresh_browser_and_sees_the_images_and_nothing_more(
    shared: SharingServer, browser: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    kite, lighthouse = shared.ids[0], shared.ids[3]
    link = shared.share(kite, lighthouse)
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a fresh profile: no cookie, no cache
    context.set_default_timeout(STEP_MS)
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if message.type == "error" else None)
    try:
        page.goto(link.url)
        images = page.get_by_role("img")
        expect(images).to_have_count(2)
        for n in range(2):
            assert images.nth(n).evaluate("img => img.complete && img.naturalWidth") == 48
        expect(page.get_by_text("a lighthouse")).to_be_visible()
        expect(page.get_by_text(HOSTILE_PROMPT)).to_be_visible()  # shown as text, not run
        assert page.get_by_role("link").count() == 0 and page.get_by_test_id("stApp").count() == 0
        assert blocked == [], blocked  # the policy let the page's own style and images through
        page.screenshot(path=str(artifacts / "share-link-stranger.png"), full_page=True)

        page.goto(f"{shared.server.url}/history")
        expect(page.get_by_role("heading", name="This app is private")).to_be_visible()
    finally:
        context.close()


def test_without_app_password_a_link_is_still_scoped_and_expiring(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    services = build_services(load_settings({"DATA_DIR": str(data_dir)}, dotenv_path=None))
    ids = []
    for n, prompt in enumerate(["a kite", "a boat"]):
        key, _ = new_object_keys("png")
        services.store.put(key, png(n), "image/png")
        record = NewRecord(prompt=prompt, image_filename=key, description="", idempotency_key=f"open-{n}")
        ids.append(services.records.add(record=record)[0].id)
    clean = {name: value for name, value in os.environ.items() if name not in {spec.name for spec in SETTINGS}}
    env = {**clean, "DATA_DIR": str(data_dir), "PRELOAD_MODELS": "false", "HF_HUB_OFFLINE": "1"}
    log = Path(__file__).resolve().parents[1] / "artifacts" / "e2e" / "streamlit-share-links-open.log"
    try:
        with running_streamlit(env, tmp_path / "app", log) as server:
            shares, records = services.shares, services.records
            live = sharing.create_link(shares, records, record_ids=[ids[0]], expires_in=WEEK, app_url=server.url)
            an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
            minute = timedelta(minutes=1)
            expired = sharing.create_link(
                shares, records, record_ids=[ids[0]], expires_in=minute, app_url=server.url, now=an_hour_ago
            )
            status, _, body = fetch(live.url)
            assert status == 200 and "a kite" in body.decode() and "a boat" not in body.decode()
            assert fetch(f"{live.url}/image/2")[0] == 404
            assert fetch(expired.url)[0] == 410
            assert fetch(changed(live.url))[0] == 404
            assert_no_tracebacks(server)
    finally:
        services.database.dispose()


def test_a_team_member_shares_a_comparison_from_history_a_stranger_opens_it_and_revoking_ends_it(
    shared: SharingServer, browser: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    # This may be the server's first Streamlit session, which runs the app twice: be patient.
    expect.set_options(timeout=STEP_MS)
    kite, boat = shared.ids[0], shared.ids[1]
    compare = f"/history?compare={boat},{kite}"
    member = browser.new_context(viewport={"width": 1400, "height": 1000})
    member.set_default_timeout(STEP_MS)
    page = member.new_page()
    stranger = browser.new_context()
    stranger.set_default_timeout(STEP_MS)
    try:
        page.goto(shared.server.url + compare)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Enter").click()
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="Compare")).to_be_visible()
        # Share is a popover: its body is drawn outside the main area, over the page.
        popover = page.get_by_test_id("stPopoverBody")
        main.get_by_text("🔗 Share these 2 images").click()
        popover.get_by_role("button", name="Create link").click()
        code = popover.get_by_test_id("stCode").filter(has_text="/s/")
        expect(code).to_be_visible()
        url = code.inner_text().strip()
        # No APP_URL on this server: the link starts with the address the browser used.
        assert url.startswith(f"{shared.server.url}/s/"), url
        page.screenshot(path=str(artifacts / "share-link-panel.png"), full_page=True)

        seen = stranger.new_page()
        seen.goto(url)
        expect(seen.get_by_role("img")).to_have_count(2)
        expect(seen.get_by_text("a boat")).to_be_visible()
        seen.reload()
        page.reload()
        expect(main.get_by_text("🔗 Share these 2 images")).to_be_visible()
        main.get_by_text("🔗 Share these 2 images").click()
        expect(popover.get_by_text(re.compile(r"· 2 views · until"))).to_be_visible()
        popover.get_by_role("button", name="Revoke").click()
        expect(popover.get_by_text("No live links.")).to_be_visible()

        assert seen.goto(url).status == 404
        expect(seen.get_by_text("Not found.")).to_be_visible()
        assert seen.get_by_role("img").count() == 0
    finally:
        stranger.close()
        member.close()
