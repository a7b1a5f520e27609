"""Create's compare: pick 2 to 4 of this session's results (edits included) and see them side by side."""

from __future__ import annotations

import streamlit as st

from core.domain.comparison import MAX_COMPARED, MIN_COMPARED, draft_facts
from core.domain.drafts import Draft
from ui.change_image import runs as edit_runs
from ui.create import flow
from ui.side_by_side import ComparedImage, side_by_side

PICK_KEY = "create_compare_pick"


def session_results() -> dict[str, tuple[Draft, str]]:
    """Every result of this session still shown, by a stable id: (draft, a title for it)."""
    found: dict[str, tuple[Draft, str]] = {}
    discarded = flow.discarded_drafts()
    for run in reversed(flow.runs()):  # oldest first, so numbers follow the order they were made in
        for index, draft in enumerate(run.drafts):
            if (run.id, index) not in discarded:
                saved = run.saved_ids.get(index)
                found[f"{run.id}:{index}"] = (draft, f"Result {len(found) + 1}" + (f" (#{saved})" if saved else ""))
    for key, edit in edit_runs().items():
        if edit.draft is not None:
            number = f" (#{edit.saved_id})" if edit.saved_id else ""
            found[f"edit:{key}:{edit.id}"] = (edit.draft, f"Edit of #{edit.input.record_id}{number}")
    return found


def show_compare() -> None:
    """Nothing until there are two results; then a picker, and the picked ones side by side."""
    results = session_results()
    if len(results) < MIN_COMPARED:
        return
    st.subheader("Compare results")
    picked = st.multiselect(
        f"Pick {MIN_COMPARED} to {MAX_COMPARED} results",
        list(results),
        key=PICK_KEY,
        format_func=lambda choice: results[choice][1] if choice in results else "(gone)",
        max_selections=MAX_COMPARED,
    )
    chosen = [results[choice] for choice in picked if choice in results]
    if len(chosen) >= MIN_COMPARED:
        side_by_side([ComparedImage(title, draft.image.data, draft_facts(draft)) for draft, title in chosen])
