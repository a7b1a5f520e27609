"""Status: is each configured part reachable? The same report as `python -m core check`."""

import streamlit as st

from ui.access.page_access import guarded_settings
from ui.status import render_report, render_search_vectors

current_settings = guarded_settings()

st.title("🩺 Status")
st.caption("Checks the database, image storage, Replicate and the configured models. Secrets are never shown.")
load_models = st.toggle("Also load the models (slow the first time)", key="load_models")
if st.button("Run checks", key="run_checks", type="primary"):
    with st.spinner("Checking…"):
        render_report(current_settings, load_models=load_models)
render_search_vectors(current_settings)
