"""`GET /s/<token>`: the images a share link opens, for someone without the password, and nothing else.

A small page of its own (not the Streamlit app): the 1-4 shared images with their prompts and captions, no
navigation, no other image, no database or storage names. Its images come through `/s/<token>/image/<n>`,
scoped to the same token, so a stranger never gets a storage address. An unknown, changed or revoked token
(or one whose image was deleted) gets the same bare 404; an expired one a bare 410. The gate lists the
prefix as open (web/gate.py), so these routes answer alike with or without APP_PASSWORD.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from html import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from core.app import process, sharing
from core.app.services import Services
from core.app.sharing import ExpiredLink, SharedImages
from core.domain.errors import AppError
from core.domain.ports import content_type_for
from core.domain.records import ImageRecordView
from web.gate import SHARED_PREFIX, current_settings

log = logging.getLogger(__name__)

STYLE = (
    "body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#111;color:#eee}"
    "main{display:grid;gap:24px;padding:24px;grid-template-columns:repeat(auto-fit,minmax(280px,1fr))}"
    "figure{margin:0}img{width:100%;height:auto;border-radius:8px;background:#222}"
    ".prompt{font-weight:600;white-space:pre-wrap}.caption{color:#bbb}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
# Nothing runs, nothing is fetched but this link's own images, no form posts, no framing, no <base> rewrite.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; img-src 'self'; style-src 'sha256-{_STYLE_HASH}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the address: never send it on to anyone
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex, nofollow",
}


def _services() -> Services:
    current = process.services_for(current_settings())
    process.migrate_once(current)
    return current


def _open(token: str) -> SharedImages | ExpiredLink | None:
    current = _services()
    return sharing.open_link(current.shares, current.records, token)


def _open_and_count(token: str, *, count: bool) -> SharedImages | ExpiredLink | None:
    opened = _open(token)
    if count and isinstance(opened, SharedImages):
        sharing.count_view(_services().shares, token)
    return opened


def _image(token: str, number: int) -> tuple[bytes, str] | ExpiredLink | None:
    opened = _open(token)
    if not isinstance(opened, SharedImages):
        return opened
    if not 1 <= number <= len(opened.records):
        return None
    key = opened.records[number - 1].image_filename
    return _services().store.get(key), content_type_for(key)


def _bare(status: int) -> Response:
    words = {404: "Not found", 410: "This link has expired", 503: "Not available right now"}[status]
    body = f'<!doctype html><html lang="en"><meta charset="utf-8"><title>{words}</title><p>{words}.</p></html>'
    return HTMLResponse(body, status_code=status, headers=HEADERS)


async def shared_page(request: Request) -> Response:
    token = str(request.path_params["token"])
    try:
        opened = await run_in_threadpool(_open_and_count, token, count=request.method == "GET")
    except AppError as exc:
        log.warning("A share link could not be opened: %s", exc)
        return _bare(503)
    if isinstance(opened, ExpiredLink):
        return _bare(410)
    if opened is None:
        return _bare(404)
    return HTMLResponse(page_html(token, opened.records), headers=HEADERS)


async def shared_image(request: Request) -> Response:
    token, number = str(request.path_params["token"]), int(request.path_params["number"])
    try:
        found = await run_in_threadpool(_image, token, number)
    except AppError as exc:
        log.warning("A shared image could not be read: %s", exc)
        return _bare(503)
    if isinstance(found, ExpiredLink):
        return _bare(410)
    if found is None:
        return _bare(404)
    data, content_type = found
    return Response(data, media_type=content_type, headers=HEADERS)


async def nothing_here(_request: Request) -> Response:
    return _bare(404)


def page_html(token: str, records: list[ImageRecordView]) -> str:
    """The page: each image with its prompt and caption, every piece of user text escaped."""
    figures = "".join(
        f'<figure><img src="{escape(token)}/image/{n}" alt="{escape(record.description or record.prompt)}">'
        f'<figcaption><p class="prompt">{escape(record.prompt)}</p>'
        f'<p class="caption">{escape(record.description)}</p></figcaption></figure>'
        for n, record in enumerate(records, start=1)
    )
    title = "A shared image" if len(records) == 1 else f"{len(records)} shared images"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head>"
        f"<body><main>{figures}</main></body></html>"
    )


# The image address is relative to the page (`<token>/image/<n>` from `/s/<token>`): it works under any prefix.
ROUTES = [
    Route(SHARED_PREFIX + "{token}", shared_page, methods=["GET", "HEAD"]),
    Route(SHARED_PREFIX + "{token}/image/{number:int}", shared_image, methods=["GET", "HEAD"]),
    # The gate opens the whole prefix: anything else under it is answered here, never by Streamlit.
    Route(SHARED_PREFIX + "{rest:path}", nothing_here),
]
