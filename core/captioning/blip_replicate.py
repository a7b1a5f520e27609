"""BLIP on Replicate (salesforce/blip by default) behind core.domain.ports.Captioner: no torch in this process."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from core.domain.errors import InputError, RemoteModelError
from core.replicate.client import ReplicateModel
from core.replicate.task import FileInput, ModelTask

DEFAULT_MODEL = "salesforce/blip"
MAX_PARALLEL = 4  # FLUX makes at most 4 images per request
CAPTION_TASK = ModelTask(
    setting="REPLICATE_CAPTION_MODEL",
    product="the caption",
    action="caption images",
    error=RemoteModelError,
)
CONTENT_TYPES = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
# salesforce/blip labels its answer ("Caption: a dog on a beach"); the label is not part of the caption.
_LABEL = re.compile(r"^\s*caption\s*:\s*", re.IGNORECASE)


class ReplicateCaptioner:
    """Captions with a BLIP model on Replicate, run by its latest version unless one is pinned."""

    def __init__(self, model: ReplicateModel) -> None:
        self._model = model
        self.model_id = model.model_id

    def caption(self, image: bytes) -> str:
        return self._read(self._run(image_upload(image)))

    def caption_many(self, images: Sequence[bytes]) -> list[str]:
        """Each image is its own prediction (the hosted model takes one image); they run at the same time."""
        uploads = [image_upload(image) for image in images]  # refuse a bad image before paying for any
        if len(uploads) <= 1:
            return [self._read(self._run(upload)) for upload in uploads]
        with ThreadPoolExecutor(max_workers=min(len(uploads), MAX_PARALLEL), thread_name_prefix="caption") as pool:
            outputs = list(pool.map(self._run, uploads))
        return [self._read(output) for output in outputs]

    def _run(self, upload: FileInput) -> Any:
        return self._model.run({"image": upload, "task": "image_captioning"})

    def check(self) -> str:
        return self._model.check()

    def _read(self, output: Any) -> str:
        text = output[0] if isinstance(output, list) and len(output) == 1 else output
        if not isinstance(text, str):
            raise RemoteModelError(
                f"{self.model_id} did not answer with a caption: set REPLICATE_CAPTION_MODEL to a captioning "
                f"model such as {DEFAULT_MODEL}."
            )
        caption = re.sub(r"\s+", " ", _LABEL.sub("", text)).strip()
        if not caption:
            raise RemoteModelError("Replicate returned an empty caption. Caption the image again.")
        return caption


def image_upload(data: bytes) -> FileInput:
    """The image as a file input named after its real format; refuse what is not an image before paying."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise InputError("The image to caption is empty (0 bytes). Generate the image again.")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.verify()
            found = CONTENT_TYPES.get(opened.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        found = None
    if found is None:
        raise InputError(
            "The image could not be read for captioning: it is not a valid PNG, JPEG or WebP file, or it is "
            "damaged. Generate the image again."
        )
    extension, content_type = found
    return FileInput(data=data, filename=f"image.{extension}", content_type=content_type)
