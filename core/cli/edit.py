"""`python -m core edit ID (--instruction TEXT | --audio PATH)`: change a saved image, print the new record."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from core.app.services import Services, require_replicate_token
from core.cli.gallery import image_id
from core.cli.options import add_language_option
from core.domain.drafts import SavedImage
from core.domain.errors import InputError
from core.domain.ports import EDIT_OUTPUT_FORMATS


def add_edit_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    edit = commands.add_parser("edit", help="change a saved image by instruction; saved as its child")
    edit.add_argument("id", type=image_id, metavar="ID")
    source = edit.add_mutually_exclusive_group(required=True)
    source.add_argument("--instruction", help="what to change, e.g. 'make it night'")
    source.add_argument("--audio", type=Path, help="the instruction spoken, as a WAV, FLAC, OGG or MP3 file")
    add_language_option(edit)
    edit.add_argument("--seed", type=int)
    edit.add_argument("--output-format", default="jpg", choices=EDIT_OUTPUT_FORMATS)
    edit.add_argument("--no-save", action="store_true", help="print the edit's record without storing it")
    edit.add_argument("--by", metavar="WHO", help="who made it")


def run_edit(args: argparse.Namespace, services: Services, emit: object) -> int:
    """Everything free is checked first (id, instruction, token), so a bad call exits 2 having paid nothing."""
    require_replicate_token(services.settings)
    if args.no_save:  # printed only: nothing is kept in the gallery, not even as a draft
        services = replace(services, drafts=None)
    editing = services.editing
    source = editing.source(args.id)
    transcript = speech_model = None
    instruction = args.instruction
    if args.audio is not None:
        try:
            audio = args.audio.read_bytes()
        except OSError as exc:
            raise InputError(f"Cannot read {args.audio}: {exc.strerror or exc}.") from None
        timed = services.pipeline.transcribe(audio, filename=args.audio.name, language=args.language)
        instruction, transcript, speech_model = timed.transcript.text, timed.transcript.text, timed.model_id
    if not (instruction or "").strip():
        raise InputError("The instruction is empty: say or type what to change, e.g. 'make it night'.")
    draft = editing.edit(
        source,
        instruction,
        seed=args.seed,
        output_format=args.output_format,
        transcript=transcript,
        speech_model=speech_model,
        created_by=args.by,
    )
    if args.no_save:
        data: dict[str, object] = {
            "parent_id": draft.parent_id,
            "edit_instruction": draft.edit_instruction,
            "prompt": draft.request.prompt,
            "description": draft.caption,
            "seed": draft.request.seed,
            "prediction_id": draft.prediction_id,
            "output_format": draft.image.output_format,
            "image_model": draft.image_model,
            "saved": False,
        }
    else:
        saved: SavedImage = services.pipeline.save(draft, created_by=args.by)
        data = saved.record.to_json()
        data["created"] = saved.created
    assert callable(emit)
    emit(data)
    return 0
