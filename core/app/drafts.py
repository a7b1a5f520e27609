"""Drafts: a paid image is kept (its object in the store, a row in `drafts`) the moment it arrives.

`DraftKeeper` is what the pipeline calls as images arrive and are captioned; the functions below are the
use cases the Create page's "Made but not saved" and `python -m core drafts` share: list, save, discard,
and expire (gc, after DRAFT_DAYS). Saving a stored draft reads its image back and reuses its object; a
draft that was never captioned is captioned first.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from core.app.images import new_object_keys
from core.domain.drafts import Draft, DraftStore, SavedImage, StoredDraft
from core.domain.errors import AppError, InputError
from core.domain.ports import ImageRecords, ImageStore, Records

if TYPE_CHECKING:  # the pipeline imports this module for DraftKeeper
    from core.app.pipeline import Pipeline

log = logging.getLogger(__name__)


class DraftKeeper:
    """Stores drafts as they arrive; with no DraftStore (some tests, benchmarks) drafts live in memory only."""

    def __init__(self, *, store: ImageStore, records: Records, drafts: DraftStore | None) -> None:
        self.store = store
        self.records = records
        self.drafts = drafts

    def keep(self, draft: Draft) -> Draft:
        """Upload the image (noted in the ledger first) and write its draft row; the draft with both ids.

        A failure here is logged, not raised: the image is still on screen (or in the command's hands), and
        its Save then uploads it as before, so a hiccup of the store never costs a paid image.
        """
        if self.drafts is None or draft.draft_id is not None:
            return draft
        image_key, _ = new_object_keys(draft.image.output_format)
        try:
            self.records.record_keys(keys=[image_key])
            self.store.put(image_key, draft.image.data, draft.image.content_type)
            stored = self.drafts.add_draft(draft=draft, image_key=image_key)
        except AppError as exc:
            log.warning("Could not keep a new image as a draft (it stays in memory until saved): %s", exc)
            return draft
        # The parent as stored: None when the source record was deleted while the edit was made.
        return replace(draft, draft_id=stored.id, image_key=image_key, parent_id=stored.parent_id)

    def note_caption(self, draft: Draft) -> None:
        """Keep a new caption with the stored draft, so saving it later need not caption it again."""
        if self.drafts is None or draft.draft_id is None or draft.caption is None:
            return
        try:
            self.drafts.set_caption(
                draft_id=draft.draft_id,
                caption=draft.caption,
                caption_model=draft.caption_model or "",
                timings_ms=draft.timings_ms,
            )
        except AppError as exc:
            log.warning("Could not keep draft #%s's caption: %s", draft.draft_id, exc)

    def discard(self, draft: Draft) -> None:
        """Discard a draft of this session: its row, and its object unless a record was saved from it.

        A save that took the row first (Records.add's `from_draft`) leaves nothing to discard: the image stays.
        """
        if self.drafts is None or draft.draft_id is None or draft.image_key is None:
            return
        if self.drafts.remove_draft(draft_id=draft.draft_id) and not self.records.find_by_idempotency_key(
            key=draft.idempotency_key
        ):
            self.store.delete(draft.image_key)
            self.records.forget_keys(keys=[draft.image_key])

    def settle(self, draft: Draft) -> None:
        """The draft is a record now: drop its row (the object is the record's)."""
        if self.drafts is not None and draft.draft_id is not None:
            self.drafts.remove_draft(draft_id=draft.draft_id)


@dataclass(frozen=True)
class DraftOutcome:
    done: list[int]  # saved (with their record ids in `saved`) or discarded
    missing: list[int]  # no such draft (saved or discarded already)
    saved: list[SavedImage]


def list_unsaved(drafts: DraftStore, *, created_by: str | None = None, everyone: bool = True) -> list[StoredDraft]:
    """Drafts newest first: everyone's (an open app, the command line) or one person's."""
    return drafts.list_drafts(created_by=created_by, everyone=everyone)


def save_drafts(pipeline: Pipeline, drafts: DraftStore, draft_ids: Collection[int]) -> DraftOutcome:
    """Save each stored draft as a record (captioning it first if it has no caption); idempotent."""
    _require_ids(draft_ids)
    saved: list[SavedImage] = []
    done: list[int] = []
    for stored in sorted(drafts.get_drafts(draft_ids=draft_ids), key=lambda d: d.id):
        try:
            draft = stored.to_draft(pipeline.store.get(stored.image_key))
        except AppError:
            if drafts.get_drafts(draft_ids=[stored.id]):
                raise
            continue  # discarded (another tab, gc) after it was listed: its image is gone with it
        if draft.caption is None:
            draft = pipeline.caption(draft)
        saved.append(pipeline.save(draft, created_by=stored.created_by))
        done.append(stored.id)
    missing = sorted({int(i) for i in draft_ids} - set(done))
    return DraftOutcome(done=done, missing=missing, saved=saved)


def discard_drafts(
    store: ImageStore, records: ImageRecords, drafts: DraftStore, draft_ids: Collection[int]
) -> DraftOutcome:
    """Delete these drafts and their objects (an object a record uses, after a save, stays)."""
    _require_ids(draft_ids)
    done = [stored.id for stored in drafts.get_drafts(draft_ids=draft_ids) if _discard(store, records, drafts, stored)]
    missing = sorted({int(i) for i in draft_ids} - set(done))
    return DraftOutcome(done=sorted(done), missing=missing, saved=[])


def expire_drafts(
    store: ImageStore, records: ImageRecords, drafts: DraftStore, *, cutoff: datetime, dry_run: bool
) -> list[StoredDraft]:
    """gc's part: drafts made before `cutoff` (DRAFT_DAYS ago), discarded unless `dry_run`."""
    old = drafts.drafts_older_than(cutoff=cutoff)
    if not dry_run:
        for stored in old:
            _discard(store, records, drafts, stored)
    return old


def _discard(store: ImageStore, records: ImageRecords, drafts: DraftStore, stored: StoredDraft) -> bool:
    if not drafts.remove_draft(draft_id=stored.id):
        return False  # another call discarded or saved it first
    if records.key_status(keys=[stored.image_key]).get(stored.image_key) is False:  # no record took it
        store.delete(stored.image_key)
        records.forget_keys(keys=[stored.image_key])
    return True


def _require_ids(draft_ids: Collection[int]) -> None:
    if not draft_ids:
        raise InputError("Name at least one draft (its number from `python -m core drafts`).")
