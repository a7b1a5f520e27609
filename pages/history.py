"""History: every saved image, filtered and paged in SQL, as a gallery or a table, with bulk actions and a detail."""

import streamlit as st

from ui.access.page_access import current_creator, guarded_settings
from ui.feedback import attempt
from ui.history import actions, cards, compare_view, detail, family, meaning, results, selection, view
from ui.query_limits import warn_if_link_was_dropped
from ui.resources import database_problem, services

secrets = guarded_settings().secret_values

st.title("History")
warn_if_link_was_dropped()
view.link_notices()
current = attempt(services, secrets)  # fails on e.g. a database driver or Spaces endpoint that cannot be used
if current is None:
    st.stop()
if problem := database_problem(current):
    view.database_down(problem, current.settings)
    st.stop()

compare_view.show_comparison(current)  # first: whoever opens a compare link came to see the comparison
reader = current.records
fetched = attempt(lambda: meaning.fetch(services(), view.filter_bar(reader, current_creator())), secrets)
if fetched is None:
    st.stop()
filters, page = fetched
view.write_url(filters)
actions.show_flash()
family.family_banner(filters.family)
meaning.like_banner()

if page.total == 0:
    view.empty_state(filters)
    st.stop()

in_gallery = filters.view == "gallery"
selected = (selection.gallery_selection if in_gallery else results.table_selection)(page.records)
selection.selection_bar(current, page.records, selected, selectable=in_gallery)
results.pager(filters, page.total, len(page.records))
if in_gallery:
    cards.gallery(current, page.records, {record.id for record in selected})
else:
    results.results_table(current, page.records)
    st.caption("Select a row to open the image; select several to act on them together.")
results.csv_download(current.records, filters, page.total)
detail.open_detail(current)
