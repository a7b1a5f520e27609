"""History: every saved image, filtered and paged in SQL, as a table or a gallery, with bulk actions and a detail."""

import streamlit as st

from core.errors import AppError
from ui import history as view
from ui import history_actions as actions
from ui import history_detail as detail
from ui import history_results as results
from ui.feedback import show_error
from ui.gate import current_creator, guarded_settings
from ui.resources import database_problem, services

secrets = guarded_settings().secret_values

st.title("History")
try:
    current = services()
except AppError as exc:  # e.g. a database driver or Spaces endpoint that cannot be used
    show_error(exc, secrets)
    st.stop()
if problem := database_problem(current):
    view.database_down(problem, current.settings)
    st.stop()

try:
    filters = view.filter_bar(current.repository, current_creator())
    filters, page = view.fetch_page(current.repository, filters)
except AppError as exc:
    show_error(exc, secrets)
    st.stop()
view.write_url(filters)
actions.show_flash()

if page.total == 0:
    view.empty_state(filters)
    st.stop()

if filters.view == "gallery":
    selected = results.gallery_selection(page.records)
else:
    selected = results.table_selection(page.records)
if selected:
    actions.bulk_bar(current, selected)
results.pager(filters, page.total, len(page.records))
if filters.view == "gallery":
    results.gallery(current, page.records)
else:
    results.results_table(current, page.records)
    st.caption("Select a row to open the image; select several to act on them together.")
results.csv_download(current.repository, filters, page.total)
detail.open_detail(current)
