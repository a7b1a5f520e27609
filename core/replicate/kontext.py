"""FLUX.1 Kontext [pro] (or another instruction-editing model on Replicate) behind the ImageEditor port.

The source image goes up through Replicate's file upload (POST /v1/files), never as a link to the bucket:
a presigned link would hand Replicate, and its logs, a working URL to the private store.
"""

from __future__ import annotations

import threading
from typing import Any

from core.domain.errors import GenerationError
from core.domain.ports import EDIT_OUTPUT_FORMATS, EditRequest, GeneratedImage
from core.replicate.client import ReplicateModel
from core.replicate.flux import read_output_image
from core.replicate.task import FileInput, ModelTask

SAFETY_WORDS = ("nsfw", "sensitive", "e005", "flagged")
EXTENSIONS = {"image/webp": "webp", "image/jpeg": "jpg", "image/png": "png"}


def _error_for_failure(error: str) -> GenerationError:
    if any(word in error.lower() for word in SAFETY_WORDS):
        return GenerationError(
            "Replicate's safety filter refused this edit. Reword the instruction, or change another image."
        )
    return GenerationError(f"The image-editing model failed: {error}. Try again, or reword the instruction.")


EDIT_TASK = ModelTask(
    setting="IMAGE_EDIT_MODEL",
    product="the edited image",
    action="edit images",
    error=GenerationError,
    explain_failure=_error_for_failure,
)


class ReplicateEditor:
    """Edits an image by instruction with an official Replicate model, run by name with EDIT_TASK."""

    def __init__(self, model: ReplicateModel) -> None:
        self._model = model
        self.model_id = model.model_id
        self._checked: str | None = None
        self._lock = threading.Lock()

    def edit(self, request: EditRequest) -> GeneratedImage:
        """Run one prediction and return the edited image, or raise GenerationError saying what to do."""
        if request.output_format not in EDIT_OUTPUT_FORMATS:
            raise GenerationError(f"{self.model_id} makes jpg or png images, not {request.output_format}.")
        extension = EXTENSIONS.get(request.content_type, "png")
        model_input: dict[str, Any] = {
            "prompt": request.instruction,
            "input_image": FileInput(request.image, f"source.{extension}", request.content_type),
            "aspect_ratio": "match_input_image",
            "output_format": request.output_format,
            "seed": request.seed,
            "safety_tolerance": min(2, request.safety_tolerance),
        }
        finished = self._model.predict(model_input)
        output = finished.output
        if isinstance(output, list):  # the model's schema says one URL; a list of one is read the same way
            output = output[0] if len(output) == 1 else None
        if not output:
            raise GenerationError("Replicate finished without returning an edited image. Try again.")
        return read_output_image(
            output,
            model_id=self.model_id,
            output_format=request.output_format,
            setting="IMAGE_EDIT_MODEL",
            prediction_id=finished.prediction_id,
        )

    def check(self) -> str:
        """The token and the edit model, asked once per process while they work (two free GETs)."""
        with self._lock:
            if self._checked is None:
                account = self._model.check()
                self._checked = f"{account}; edits with {self._model.check_model()}"
            return self._checked
