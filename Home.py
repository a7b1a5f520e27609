"""Entry point: page setup, the optional access gate, and navigation between the pages."""

import streamlit as st

from ui.gate import guarded_settings
from ui.navigation import CREATE_PAGE, HISTORY_PAGE, HOME_PAGE, STATUS_PAGE

st.set_page_config(page_title="Speak an image", page_icon="🎨", layout="wide")
guarded_settings()

navigation = st.navigation(
    [
        st.Page(HOME_PAGE, title="Home", icon="🏠", default=True),
        st.Page(CREATE_PAGE, title="Create", icon="🎨"),
        st.Page(HISTORY_PAGE, title="History", icon="🗂️"),
        st.Page(STATUS_PAGE, title="Status", icon="🩺"),
    ],
    position="top",
)
navigation.run()
