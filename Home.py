"""Entry point: page setup, navigation between the pages, and the optional access gate in front of them."""

import streamlit as st

from ui.access.page_access import guarded_settings, has_access
from ui.navigation import app_navigation, phone_navigation
from ui.resources import settings

st.set_page_config(page_title="Speak an image", page_icon="🎨", layout="wide")
# Navigation first: it resolves the page the URL asks for, so signing in lands there, query included.
let_in = has_access(settings())
page = app_navigation(show=let_in)
guarded_settings(requested=page)
if let_in:
    phone_navigation()  # on a phone Streamlit folds the navigation behind "»": a row of links instead
page.run()
