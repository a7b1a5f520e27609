"""FLUX.1 [schnell] (or another Replicate model) behind the ImageGenerator port, with retries and time-outs."""

from __future__ import annotations

import base64
import binascii
import io
import logging
from typing import Any

from core.domain.errors import GenerationError
from core.domain.ports import PILLOW_FORMATS, GeneratedImage, GenerationRequest
from core.replicate.client import ReplicateModel
from core.replicate.task import ModelTask

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 50 * 1024 * 1024


def _error_for_failure(error: str) -> GenerationError:
    if "nsfw" in error.lower():
        return GenerationError(
            "Replicate's safety filter flagged the image as NSFW. Rephrase the prompt and try again."
        )
    return GenerationError(f"The image model failed: {error}. Try again, or change the prompt.")


IMAGE_TASK = ModelTask(
    setting="IMAGE_MODEL",
    product="the image",
    action="generate images",
    error=GenerationError,
    explain_failure=_error_for_failure,
)


def flux_input(request: GenerationRequest) -> dict[str, object]:
    """FLUX.1 [schnell]'s input: the request's fields by the model's names (no seed: the model picks one)."""
    payload: dict[str, object] = {
        "prompt": request.prompt,
        "aspect_ratio": request.aspect_ratio,
        "num_outputs": request.num_outputs,
        "output_format": request.output_format,
        "output_quality": request.output_quality,
        "num_inference_steps": request.num_inference_steps,
        "go_fast": request.go_fast,
        "megapixels": request.megapixels,
    }
    if request.seed is not None:
        payload["seed"] = request.seed
    return payload


class ReplicateGenerator:
    """Draws images with a Replicate model (`owner/name` or `owner/name:version`), run with IMAGE_TASK."""

    def __init__(self, model: ReplicateModel) -> None:
        self._model = model
        self.model_id = model.model_id

    def generate(self, request: GenerationRequest) -> list[GeneratedImage]:
        """Run one prediction and return its images, or raise GenerationError saying what to do."""
        finished = self._model.predict(flux_input(request))
        return [
            read_output_image(
                item,
                model_id=self.model_id,
                output_format=request.output_format,
                setting="IMAGE_MODEL",
                prediction_id=finished.prediction_id,
            )
            for item in _output_items(finished.output)
        ]

    def check(self) -> str:
        """Ask Replicate who the token belongs to; raise GenerationError if it is refused or unreachable."""
        return self._model.check()


def read_output_image(
    item: object, *, model_id: str, output_format: str, setting: str, prediction_id: str
) -> GeneratedImage:
    """One output of an image model (a URL, a data URL or a FileOutput) as image bytes Pillow can read."""
    url = getattr(item, "url", item)  # a FileOutput if the client ever hands one over
    if not isinstance(url, str):
        raise GenerationError(f"{model_id} returned something that is not an image; choose an image model.")
    if url.startswith("data:"):
        data = _decode_data_url(url)
    elif url.startswith(("https://", "http://")):
        data = _download(url)
    else:
        raise GenerationError(f"{model_id} returned text instead of an image; choose an image model.")
    found = _image_format(data, output_format, setting)
    return GeneratedImage(data=data, output_format=found, source_url=_short(url), prediction_id=prediction_id)


def _download(url: str) -> bytes:
    """Fetch an output URL; no Authorization header, as they are pre-signed and the token stays with the API."""
    import httpx

    try:
        with httpx.stream("GET", url, timeout=30.0, follow_redirects=True) as response:
            response.raise_for_status()
            data = bytearray()
            for chunk in response.iter_bytes():
                data.extend(chunk)
                if len(data) > MAX_IMAGE_BYTES:
                    raise GenerationError("Replicate returned an image over 50 MB; try fewer megapixels.")
            return bytes(data)
    except httpx.HTTPError:
        raise GenerationError("The finished image could not be downloaded from Replicate. Try again.") from None


def _output_items(output: Any) -> list[Any]:
    items = output if isinstance(output, list) else [output] if output else []
    if not items:
        raise GenerationError("Replicate finished without returning an image. Try again.")
    return items


def _decode_data_url(url: str) -> bytes:
    header, _, encoded = url.partition(",")
    try:
        return base64.b64decode(encoded, validate=True) if header.endswith(";base64") else encoded.encode()
    except (binascii.Error, ValueError):
        raise GenerationError("Replicate returned a damaged image. Try again.") from None


def _image_format(data: bytes, requested: str, setting: str) -> str:
    """The output format actually found in the bytes; Pillow proves they are an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            found = PILLOW_FORMATS.get(image.format or "")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise GenerationError(
            f"Replicate returned something that is not an image. Try again, or check {setting}."
        ) from None
    if found is None:
        raise GenerationError("Replicate returned an image in a format the app cannot store; choose webp, jpg or png.")
    if found != requested:
        log.warning("Asked Replicate for %s, got %s", requested, found)
    return found


def _short(url: str) -> str:
    """Data URLs are the image itself: keep only their header as the source."""
    return url.split(",", 1)[0] + ",..." if url.startswith("data:") else url
