"""History: every saved image, filtered and paged in SQL, as a table or a gallery, with bulk actions and a detail."""

import streamlit as st

from ui.access.page_access import current_creator, guarded_settings
from ui.feedback import attempt
from ui.history import actions, compare_view, detail, family, meaning, results, view
from ui.query_limits import warn_if_link_was_dropped
from ui.resources import database_problem, services

secrets = guarded_settings().secret_values

st.title("History")
warn_if_link_was_dropped()
current = attempt(services, secrets)  # fails on e.g. a database driver or Spaces endpoint that cannot be used
if current is None:
    st.stop()
if problem := database_problem(current):
    view.database_down(problem, current.settings)
    st.stop()

reader = current.records
fetched = attempt(lambda: meaning.fetch(services(), view.filter_bar(reader, current_creator())), secrets)
if fetched is None:
    st.stop()
filters, page = fetched
view.write_url(filters)
actions.show_flash()
compare_view.show_comparison(current)
family.family_banner(filters.family)
meaning.like_banner()

if page.total == 0:
    view.empty_state(filters)
    st.stop()

selected = (results.gallery_selection if filters.view == "gallery" else results.table_selection)(page.records)
if selected:
    actions.bulk_bar(current, selected)
    compare_view.compare_button(selected)
results.pager(filters, page.total, len(page.records))
if filters.view == "gallery":
    results.gallery(current, page.records)
else:
    results.results_table(current, page.records)
    st.caption("Select a row to open the image; select several to act on them together.")
results.csv_download(current.records, filters, page.total)
detail.open_detail(current)
