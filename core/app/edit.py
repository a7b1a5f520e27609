"""Changing a saved image by instruction: check before paying, one edit prediction, caption, save as a child.

Everything that can be checked for free is checked before the edit model is paid: the instruction, the
token and the edit model (free GETs), and that the source image can be read back from storage and opened.
The edit becomes a Draft like a generated image, so saving it follows the same rules (objects first, then
the row; undone on failure; one row per image bytes however often Save is clicked).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.app.images import inspect_image
from core.app.pipeline import Pipeline, random_seed
from core.domain.drafts import Draft, SavedImage
from core.domain.errors import AppError, ImageError, InputError
from core.domain.ports import EDIT_OUTPUT_FORMATS, EditRequest, GenerationRequest, ImageEditor
from core.domain.progress import GENERATE, Progress, StageLog, timed_stage
from core.domain.prompts import validate_prompt
from core.domain.records import ImageRecordView


@dataclass(frozen=True)
class EditSource:
    """A saved record whose image has been read and proven to be an image."""

    record: ImageRecordView
    data: bytes
    content_type: str


class Editing:
    """Edits of saved images, through the same pipeline (captioner, store, records) as new images."""

    def __init__(self, *, pipeline: Pipeline, editor: ImageEditor) -> None:
        self.pipeline = pipeline
        self.editor = editor

    def source(self, record_id: int) -> EditSource:
        """The record and its image bytes; an unknown id or an unreadable image is an error, before any payment."""
        records = self.pipeline.records.get_many(record_ids=[record_id])
        if not records:
            raise InputError(f"There is no image #{record_id}: pick one from History.")
        record = records[0]
        try:
            data = self.pipeline.store.get(record.image_filename)
            info = inspect_image(data)
        except AppError as exc:
            raise ImageError(
                f"Image #{record_id} cannot be read back from storage, so it cannot be changed: {exc}"
            ) from None
        return EditSource(record=record, data=data, content_type=info.content_type)

    def edit(
        self,
        source: EditSource,
        instruction: str,
        *,
        seed: int | None = None,
        output_format: str = "jpg",
        transcript: str | None = None,
        speech_model: str | None = None,
        progress: Progress | None = None,
        created_by: str | None = None,
    ) -> Draft:
        """Check for free, then run one paid edit, keep it as a draft and caption it; not saved as a record yet."""
        progress = progress or StageLog()
        text = validate_prompt(instruction, max_chars=self.pipeline.max_prompt_chars)
        if output_format not in EDIT_OUTPUT_FORMATS:
            raise InputError(f"An edit is made as jpg or png, not {output_format!r}.")
        self.editor.check()  # the token and the edit model, before paying
        seed = random_seed() if seed is None else seed
        timings: dict[str, float] = {}
        with timed_stage(timings, GENERATE, progress):
            image = self.editor.edit(
                EditRequest(instruction=text, image=source.data, content_type=source.content_type, seed=seed,
                            output_format=output_format)
            )  # fmt: skip
        request = GenerationRequest(
            prompt=text,
            aspect_ratio=source.record.aspect_ratio or "1:1",
            seed=seed,
            output_format=image.output_format,
            megapixels=source.record.megapixels or "1",
        )
        draft = Draft(
            image=image,
            request=request,
            image_model=self.editor.model_id,
            transcript=transcript,
            speech_model=speech_model,
            timings_ms=timings,
            parent_id=source.record.id,
            edit_instruction=text,
            created_by=created_by,
        )
        # Kept before captioning: a crash or a kill from here on leaves a draft, not a paid edit lost.
        return self.pipeline.caption(self.pipeline.keeper.keep(draft), progress=progress)

    def run(
        self,
        record_id: int,
        instruction: str,
        *,
        save: bool = True,
        created_by: str | None = None,
        seed: int | None = None,
        output_format: str = "jpg",
    ) -> Draft | SavedImage:
        """Source, edit, caption and (unless `save` is False) save as a child of `record_id`."""
        draft = self.edit(
            self.source(record_id), instruction, seed=seed, output_format=output_format, created_by=created_by
        )
        return self.pipeline.save(draft, created_by=created_by) if save else draft
