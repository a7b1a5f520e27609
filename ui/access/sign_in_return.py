"""With st.login, land on the page and query the visitor asked for, not on Home.

Streamlit's sign-in callback always redirects to the app's root and `st.login` takes no return
address, so the browser keeps one: the sign-in page writes it to a short-lived cookie, and the first
run at the root after signing in reads it, opens that page with its query, and deletes it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote, unquote, urlencode

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from ui.access.browser_cookies import RETURN_TO_COOKIE, delete_cookie, read_cookie, write_cookie
from ui.navigation import PAGE_BY_URL_PATH

RETURN_TTL_S = 15 * 60  # long enough to type a password at the provider; stale soon after
_HANDLED_KEY = "_return_address_handled"
_DELETED_KEY = "_return_address_deleted"


def return_address(url_path: str, query: dict[str, list[str]]) -> str | None:
    """`history?q=dragon` for a page and its query; None for the bare root, where sign-in lands anyway."""
    if url_path not in PAGE_BY_URL_PATH or (url_path == "" and not query):
        return None
    return f"{url_path}?{urlencode(query, doseq=True)}" if query else url_path


def parse_return_address(address: str) -> tuple[str, dict[str, list[str]]] | None:
    """The page script and query an address names; None for anything that is not one of the app's pages."""
    url_path, _, query = address.partition("?")
    page = PAGE_BY_URL_PATH.get(url_path)
    if page is None:
        return None
    return page, parse_qs(query, keep_blank_values=True)


def _current_query() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def remember_return_address(requested: StreamlitPage | None) -> None:
    """On the sign-in page: have the browser keep the page and query the URL asked for."""
    if requested is None:
        return
    if address := return_address(requested.url_path, _current_query()):
        write_cookie(RETURN_TO_COOKIE, quote(address, safe=""), max_age_s=RETURN_TTL_S)


def return_after_sign_in(requested: StreamlitPage | None) -> None:
    """Signed in: if the browser holds a return address and this run is at the bare root, go there.

    Runs once per session; the run after the switch deletes the cookie, so a later visit of the root
    stays on Home.
    """
    held = read_cookie(RETURN_TO_COOKIE)
    if requested is None or held is None:
        return
    if not st.session_state.get(_HANDLED_KEY):
        st.session_state[_HANDLED_KEY] = True
        target = parse_return_address(unquote(held))
        if target is not None and requested.url_path == "" and not st.query_params:
            page, query = target
            st.switch_page(page, query_params=query)
    if not st.session_state.get(_DELETED_KEY):
        st.session_state[_DELETED_KEY] = True
        delete_cookie(RETURN_TO_COOKIE)
