"""History: every saved image, filtered and paged in SQL, as a table or a gallery, with a detail view."""

import streamlit as st

from ui import history as view
from ui import history_detail as detail
from ui.feedback import attempt
from ui.gate import guarded_settings
from ui.resources import database_problem, services

secrets = guarded_settings().secret_values

st.title("History")
current = attempt(services, secrets)  # fails on e.g. a database driver or Spaces endpoint that cannot be used
if current is None:
    st.stop()
if problem := database_problem(current):
    view.database_down(problem, current.settings)
    st.stop()

filters = view.filter_bar()
fetched = attempt(lambda: view.fetch_page(current, filters), secrets)
if fetched is None:
    st.stop()
filters, page = fetched
view.write_url(filters)
detail.show_flash()

if page.total == 0:
    view.empty_state(filters)
    st.stop()

view.pager(filters, page.total, len(page.records))
if filters.view == "gallery":
    chosen = view.gallery(current, page.records)
else:
    chosen = view.results_table(current, page.records)
    st.caption("Select a row to open the image.")
view.csv_download(current, filters, page.total)

if chosen is not None:
    detail.detail_view(current, chosen)
