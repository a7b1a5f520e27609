"""Where the app's pages live, the navigation Home.py runs, and links between pages that also work alone."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.pages_manager import PagesManager

# Paths as registered with st.navigation; st.page_link and st.switch_page take the same strings.
HOME_PAGE = "pages/home.py"
CREATE_PAGE = "pages/create.py"
HISTORY_PAGE = "pages/history.py"
STATUS_PAGE = "pages/status.py"
# Each page by its public path ("" is Home, the default page), with its navigation title and icon.
_PAGES = {
    "": (HOME_PAGE, "Home", "🏠"),
    "create": (CREATE_PAGE, "Create", "🎨"),
    "history": (HISTORY_PAGE, "History", "🗂️"),
    "status": (STATUS_PAGE, "Status", "🩺"),
}
PAGE_BY_URL_PATH = {url_path: script for url_path, (script, _, _) in _PAGES.items()}


_registered = False  # set once this process has called st.navigation, which ends the pages/ mode for good


def app_navigation(*, show: bool) -> StreamlitPage:
    """The app's pages; the page the URL names is resolved here, so links keep their page and query."""
    global _registered
    _registered = True
    return st.navigation(
        [
            st.Page(script, title=title, icon=icon, default=url_path == "", url_path=url_path or None)
            for url_path, (script, title, icon) in _PAGES.items()
        ],
        # Hidden until the visitor is let in, so a stranger sees no links.
        position="top" if show else "hidden",
    )


def hand_over_to_app_navigation() -> None:
    """Run the whole app when Streamlit serves a pages/ script on its own.

    Until the first st.navigation call of the server process, Streamlit runs a script of the folder
    named pages/ directly for its URL (/history), without Home.py and so without navigation. A
    page that finds itself run that way registers the app's navigation (which ends that mode for the
    whole process) and reruns: Home.py then runs with the same page and query parameters.
    """
    if PagesManager.uses_pages_directory and not _registered:
        app_navigation(show=False)
        st.rerun()


def link_to_page(page: str, label: str, icon: str | None = None) -> None:
    """A link to another page; run alone (AppTest, no st.navigation) it becomes a hint instead."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.caption(f"{label}: open it from the navigation.")
