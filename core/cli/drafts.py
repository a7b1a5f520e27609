"""`python -m core drafts [--save ID... | --discard ID...]`: paid images made but not saved.

Without options, every draft as one JSON line, newest first. `--save` turns drafts into records (captioning
those a killed run left without a caption) and prints each record; `--discard` deletes drafts and their images.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from core.cli.gallery import image_id
from core.domain.drafts import StoredDraft
from core.domain.errors import InputError

if TYPE_CHECKING:
    from core.app.services import Services


def add_drafts_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    drafts = commands.add_parser("drafts", help="list images made but not saved; save or discard them")
    action = drafts.add_mutually_exclusive_group()
    action.add_argument("--save", nargs="+", type=image_id, metavar="ID", help="save these drafts as records")
    action.add_argument(
        "--discard", nargs="+", type=image_id, metavar="ID", help="delete these drafts and their images"
    )


def run_drafts(args: argparse.Namespace, services: Services, emit: Callable[[object], None]) -> int:
    # Imported here: saving drafts needs Pillow, which `python -m core` must not load before a command runs.
    from core.app.drafts import discard_drafts, list_unsaved, save_drafts

    store = services.drafts
    if store is None:  # build_services always gives one; a caller's bug otherwise
        raise RuntimeError("These services keep no drafts.")
    if args.save:
        outcome = save_drafts(services.pipeline, store, args.save)
        for saved in outcome.saved:
            emit({**saved.record.to_json(), "created": saved.created})
    elif args.discard:
        outcome = discard_drafts(services.store, services.records, store, args.discard)
        emit({"discarded": outcome.done, "missing": outcome.missing})
    else:
        for draft in list_unsaved(store):
            emit(draft_json(draft))
        return 0
    if outcome.missing:
        ids = ", ".join(f"#{i}" for i in outcome.missing)
        raise InputError(f"There is no draft {ids} (saved or discarded already?): `python -m core drafts` lists them.")
    return 0


def draft_json(draft: StoredDraft) -> dict[str, object]:
    return {
        "id": draft.id,
        "created_at": draft.created_at.isoformat(),
        "prompt": draft.request.prompt,
        "seed": draft.request.seed,
        "aspect_ratio": draft.request.aspect_ratio,
        "megapixels": draft.request.megapixels,
        "output_format": draft.output_format,
        "image_model": draft.image_model,
        "prediction_id": draft.prediction_id,
        "image_filename": draft.image_key,
        "description": draft.caption,
        "caption_model": draft.caption_model,
        "transcript": draft.transcript,
        "language": draft.language,
        "speech_model": draft.speech_model,
        "parent_id": draft.parent_id,
        "edit_instruction": draft.edit_instruction,
        "created_by": draft.created_by,
        "timings_ms": draft.timings_ms,
    }
