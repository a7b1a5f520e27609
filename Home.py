"""Entry point: page setup, the optional access gate, and navigation between the pages."""

import streamlit as st

from ui.gate import require_access
from ui.resources import settings

st.set_page_config(page_title="Speak an image", page_icon="🎨", layout="wide")
require_access(settings())

navigation = st.navigation(
    [
        st.Page("pages/home.py", title="Home", icon="🏠", default=True),
        st.Page("pages/create.py", title="Create", icon="🎨"),
        st.Page("pages/history.py", title="History", icon="🗂️"),
        st.Page("pages/status.py", title="Status", icon="🩺"),
    ]
)
navigation.run()
