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
PHONE_NAV = "phone_nav"  # the row of page links a phone shows at the top of every page
# Below Streamlit's md breakpoint (768 px) its top navigation folds into the sidebar, behind "»": a phone then
# had no visible way to another page. There the row below takes its place; wider, it steps aside for the top
# navigation (display: none keeps its links out of the accessibility tree, so no page has two of each link),
# with the wrapper Streamlit puts around a container, which would otherwise still take a gap above the title.
_PHONE_NAV_STYLE = f"""<style>
@media (min-width: 768px) {{
  [data-testid="stLayoutWrapper"]:has(> .st-key-{PHONE_NAV}), .st-key-{PHONE_NAV} {{ display: none !important; }}
}}
@media (max-width: 767.98px) {{
  /* The row sits right under Streamlit's header (3.75rem) instead of under its 6rem of padding, and the title's
     own top padding spaces it from the row: the page moves down by 0.75rem, not 4rem, so Generate stays in the
     first screen of an empty Create page. */
  [data-testid="stMain"] [data-testid="stMainBlockContainer"] {{ padding-top: 3.75rem; }}
  [data-testid="stLayoutWrapper"]:has(> .st-key-{PHONE_NAV}) {{ margin: 0.25rem 0 -1.25rem; }}
}}
/* Folded behind "»", the sidebar's page links are off screen but still links: a phone had two of each. */
[data-testid="stSidebar"][data-collapsed="true"] {{ visibility: hidden; }}
.st-key-{PHONE_NAV} > [data-testid="stElementContainer"]:has([data-testid="stHtml"]) {{ display: none; }}
.st-key-{PHONE_NAV} {{ min-height: 3rem; }}  /* else the row stays 36 px and its 44 px touch targets overflow it */
.st-key-{PHONE_NAV} a {{ min-height: 44px; padding-left: 0.25rem; padding-right: 0.25rem; }}
</style>"""


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


def phone_navigation() -> None:
    """The pages as one row of links at the top of the page; drawn by Home.py, shown only on a narrow screen."""
    with st.container(key=PHONE_NAV, horizontal=True, gap="xxsmall"):
        # In the row, not a style-only st.html (Streamlit sends those to its event container, apart from the row):
        # on a fresh server's first visit, which runs the app twice, a desktop once had the row without its style,
        # two links of each name. Here the style comes and goes with the row.
        st.html(f'{_PHONE_NAV_STYLE}<span class="{PHONE_NAV}-style"></span>')
        for script, title, icon in _PAGES.values():
            st.page_link(script, label=title, icon=icon, width="content")


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
