"""Every image this Create session made, generated or edited, saved or not, each with one name.

Compare lists them and the change panel names its source with the same words, so "Result 2" or
"Edit 1 of #5" means one image wherever it is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.domain.drafts import Draft
from ui.change_image import made as edits_made
from ui.create.state import CREATE


@dataclass(frozen=True)
class SessionImage:
    key: str  # stable across reruns: what compare's picker keeps
    title: str  # written by the app
    draft: Draft
    record_id: int | None  # once saved


def result_key(run_id: str, index: int) -> str:
    """The key of a run's index-th result, here and in compare's picker (a card's Compare box sets it)."""
    return f"{run_id}:{index}"


def session_images() -> list[SessionImage]:
    """Results first, then edits, each oldest first; discarded ones left out."""
    found: list[SessionImage] = []
    discarded = CREATE.discarded
    for run in CREATE.made:
        for index, draft in enumerate(run.drafts):
            if (run.id, index) not in discarded:
                saved = run.saved_ids.get(index)
                title = f"Result {len(found) + 1}" + (f" (#{saved})" if saved else "")
                found.append(SessionImage(result_key(run.id, index), title, draft, saved))
    edits_of: dict[int, int] = {}  # source record id -> edits of it so far, to number them
    for panel, edit in edits_made():
        if edit.draft is None:
            continue
        source = edit.input.record_id
        edits_of[source] = edits_of.get(source, 0) + 1
        number = f" (#{edit.saved_id})" if edit.saved_id else ""
        title = f"Edit {edits_of[source]} of #{source}{number}"
        found.append(SessionImage(f"edit:{panel}:{edit.id}", title, edit.draft, edit.saved_id))
    return found


def result_name(run_id: str, index: int) -> str | None:
    return next((image.title for image in session_images() if image.key == result_key(run_id, index)), None)


def record_name(record_id: int) -> str:
    """What the session calls a saved image; one it did not make is named by its number."""
    return next((image.title for image in session_images() if image.record_id == record_id), f"#{record_id}")
