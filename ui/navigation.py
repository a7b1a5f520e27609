"""Where the app's pages live, and links between them that also work when a page runs alone."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

# Paths as registered with st.navigation in Home.py; st.page_link and st.switch_page take the same strings.
HOME_PAGE = "pages/home.py"
CREATE_PAGE = "pages/create.py"
HISTORY_PAGE = "pages/history.py"
STATUS_PAGE = "pages/status.py"


def link_to_page(page: str, label: str, icon: str | None = None) -> None:
    """A link to another page; run alone (AppTest, no st.navigation) it becomes a hint instead."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.caption(f"{label}: open it from the navigation.")
