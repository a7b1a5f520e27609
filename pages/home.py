"""Home: what the app does, how it is configured, and an overview of what has been made."""

import streamlit as st

from ui import overview
from ui.access.page_access import guarded_settings, signed_in_bar
from ui.feedback import attempt
from ui.model_status import show_model_status
from ui.resources import services

current_settings = guarded_settings()

st.title("Speak an idea, get an image")
signed_in_bar(current_settings)

overview.about()
overview.configuration(current_settings)

# Building services touches no network; a failure here (a bad driver, say) still leaves the page readable.
if current := attempt(services, current_settings.secret_values):
    show_model_status(current)
    overview.history_overview(current)
