"""`/sign-in` and `/sign-out`: the shared password as a plain HTML form, answered with an HttpOnly pass.

The form posts to the app's own route, so the pass is set by an HTTP answer (`Set-Cookie; HttpOnly`)
rather than by a line of JavaScript: no script on the page can read or leak it. What a sign-in comes to
(the shared budget, then the password) is core.access.policy's to say; this module speaks HTTP for it.
"""

from __future__ import annotations

import html
import ipaddress
import time
from functools import partial
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core.access import policy
from core.access.policy import PASS_COOKIE
from core.app import process
from core.domain.errors import AppError
from core.domain.records import MAX_CREATOR_CHARS
from core.domain.sign_in_budget import AccessLedger
from web.gate import (
    SIGN_IN,
    SIGN_OUT,
    AccessMode,
    cleared_cookie_header,
    current_mode,
    pass_cookie_header,
    safe_next,
    valid_pass,
)

MAX_FORM_BYTES = 8 * 1024  # a password, a name and an address; nothing bigger is read


def _budget_key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Whom a wrong password is counted against: an IPv4 address, or an IPv6 /64 (one machine's usual share)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_address(peer: str | None, forwarded_for: list[str], trusted_proxies: tuple[str, ...]) -> str:
    """The sign-in's client: the peer, or when the peer is a trusted proxy, the right-most `X-Forwarded-For`
    entry no trusted proxy added. Entries further left are whatever the client wrote, and never believed."""
    if peer is None:
        return "unknown"
    networks = [ipaddress.ip_network(block) for block in trusted_proxies]
    hops = [peer, *reversed([entry.strip() for header in forwarded_for for entry in header.split(",")])]
    for hop in hops:
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return hop[:64] or "unknown"  # written by a trusted proxy, so at least not the client's choice
        if not any(address in network for network in networks):
            return _budget_key(address)
        if hop is hops[-1]:
            return _budget_key(address)  # every hop trusted: the left-most one is the client
    return "unknown"


def _client_of(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    forwarded = [value.decode("latin-1") for name, value in request.scope["headers"] if name == b"x-forwarded-for"]
    return client_address(request.client.host if request.client else None, forwarded, trusted_proxies)


def _is_https(request: Request) -> bool:
    # Behind nginx, TLS ends at the proxy; it says so in X-Forwarded-Proto (deploy/nginx.conf).
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").lower() == "https"


def _same_origin(request: Request) -> bool:
    """A form posted from another site (its Origin header names it) is not ours to answer."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None:  # an older browser or a command-line client; SameSite=Lax keeps the pass off cross-site posts
        return True
    if origin == "null":  # a sandboxed iframe, a cross-site redirect, a file: nobody we can name as ourselves
        return False
    # Host names, not ports: nginx passes `Host: $host`, which drops the port the browser's Origin keeps.
    host = urlsplit(f"//{request.headers.get('host', '')}").hostname
    return host is not None and urlsplit(origin).hostname == host


def sign_in_page(next_path: str, *, error: str | None = None) -> str:
    message = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Speak an image</title>
<style>
:root{{color-scheme:light dark;--text:#1f2430;--muted:#5b6170;--page:#fff;--field:#fff;--line:#b8bcc6;
  --error:#b00020}}
@media (prefers-color-scheme: dark){{:root{{--text:#e8e9ee;--muted:#a9adb8;--page:#0e1117;--field:#1b1f2a;
  --line:#4a5060;--error:#ff8a8a}}}}
body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;
  color:var(--text);background:var(--page)}}
label{{display:block;margin-top:1rem}}
input{{width:100%;min-height:44px;padding:.5rem;font-size:1rem;box-sizing:border-box;
  color:var(--text);background:var(--field);border:1px solid var(--line);border-radius:.4rem}}
button{{margin-top:1.25rem;min-height:44px;padding:.5rem 1.25rem;font-size:1rem;
  color:#fff;background:#d93a3a;border:0;border-radius:.4rem;cursor:pointer}}
.error{{color:var(--error)}} small{{color:var(--muted)}}
</style></head><body>
<h1>This app is private</h1>
<p>Type the password the person who runs this demo gave you.</p>
{message}
<form method="post" action="{SIGN_IN}">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<label for="name">Your name (optional)</label>
<input id="name" name="name" type="text" maxlength="{MAX_CREATOR_CHARS}" autocomplete="name">
<small>Saved with the images you make, so the team can see who made what.</small>
<div><button type="submit">Enter</button></div>
</form></body></html>"""


def _form_page(
    next_path: str, status: int, error: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    headers = {"Cache-Control": "no-store", **(headers or {})}
    return HTMLResponse(sign_in_page(next_path, error=error), status_code=status, headers=headers)


def _ledger(mode: AccessMode) -> AccessLedger:
    """The shared ledger, its tables migrated (raises AppError when the database cannot be reached)."""
    services = process.services_for(mode.settings)
    process.migrate_once(services)
    return services.access


async def _mode_or_none(request: Request) -> AccessMode | None:
    try:
        return await run_in_threadpool(current_mode)
    except AppError:
        return None


async def _broken_configuration() -> Response:
    """The gate stays shut on a broken configuration; say what to fix rather than loop back to the form."""
    try:
        await run_in_threadpool(current_mode)
        problem = "The app's configuration could not be read."
    except AppError as exc:  # names the missing or invalid settings, never their values
        problem = str(exc)
    body = '<!doctype html><meta name="color-scheme" content="light dark"><title>Not configured</title>'
    body += "<h1>The app is not configured</h1>"
    body += f"<p>{html.escape(problem)}</p>"
    return HTMLResponse(body, status_code=503, headers={"Cache-Control": "no-store"})


async def show_form(request: Request) -> Response:
    next_path = safe_next(request.query_params.get("next"))
    mode = await _mode_or_none(request)
    if mode is None:
        return await _broken_configuration()
    if mode.name != "password":
        return RedirectResponse(next_path, status_code=303)  # nothing to sign in to (or st.login does it)
    token = request.cookies.get(PASS_COOKIE)
    if token and await run_in_threadpool(valid_pass, mode.settings, token) is not None:
        return RedirectResponse(next_path, status_code=303)
    return _form_page(next_path, 200)


async def _read_form(request: Request) -> dict[str, str] | None:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


async def submit(request: Request) -> Response:
    if not _same_origin(request):
        return PlainTextResponse("This form only accepts posts from this site.", status_code=403)
    form = await _read_form(request)
    if form is None:
        return PlainTextResponse("That form is too large.", status_code=413)
    next_path = safe_next(form.get("next"))
    mode = await _mode_or_none(request)
    if mode is None:
        return await _broken_configuration()
    if mode.name != "password" or mode.settings.app_password is None:
        return RedirectResponse(next_path, status_code=303)
    given = form.get("password", "")
    if not given:
        return _form_page(next_path, 401, "Type the password.")
    outcome = await run_in_threadpool(
        partial(
            policy.sign_in,
            given,
            form.get("name", ""),
            mode.settings,
            partial(_ledger, mode),
            client=_client_of(request, mode.settings.trusted_proxies),
            now=time.time(),
        )
    )
    if isinstance(outcome, policy.CannotCheck):
        return _form_page(next_path, 503, "The app cannot reach its database right now. Try again in a minute.")
    if isinstance(outcome, policy.Throttled):
        return _form_page(next_path, 429, outcome.message, {"Retry-After": str(outcome.retry_after_s)})
    if isinstance(outcome, policy.WrongPassword):
        return _form_page(next_path, 401, "That password is not right. Ask the person who runs this demo for it.")
    token = outcome.token
    answer = RedirectResponse(next_path, status_code=303)
    answer.headers.append("Set-Cookie", pass_cookie_header(token, secure=_is_https(request)))
    answer.headers["Cache-Control"] = "no-store"
    return answer


async def sign_out(request: Request) -> Response:
    """Revoke the pass (every replica, every tab) and clear the cookie; the form comes next."""
    if not _same_origin(request):
        return PlainTextResponse("This form only accepts posts from this site.", status_code=403)
    mode = await _mode_or_none(request)
    token = request.cookies.get(PASS_COOKIE)
    if mode is not None and token and (held := await run_in_threadpool(valid_pass, mode.settings, token)):
        services = await run_in_threadpool(process.services_for, mode.settings)
        await run_in_threadpool(policy.sign_out, held, services.access)
    answer = RedirectResponse(SIGN_IN, status_code=303)
    answer.headers.append("Set-Cookie", cleared_cookie_header(secure=_is_https(request)))
    answer.headers["Cache-Control"] = "no-store"
    return answer


ROUTES = [
    Route(SIGN_IN, show_form, methods=["GET", "HEAD"]),
    Route(SIGN_IN, submit, methods=["POST"]),
    Route(SIGN_OUT, sign_out, methods=["POST"]),
]
