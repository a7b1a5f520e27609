"""Image captions with BLIP through transformers, behind core.domain.ports.Captioner.

Shaped like a transformers pipeline: decode and preprocess, one locked generate, then clean the text.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from typing import Any

from core.domain.errors import ConfigError, ImageError
from core.domain.ports import Captioner
from core.models.loading import ModelSource, load_pretrained, locate_model
from core.models.runtime import inference_mode

SETTING = "CAPTION_MODEL"
EXAMPLE = "Salesforce/blip-image-captioning-base"
MAX_NEW_TOKENS_LIMIT = 100  # BLIP captions are a sentence; more tokens only cost time
WARMUP_TOKENS = 3
# BLIP (large especially) sometimes opens with these non-words, learned from noisy alt texts.
_BLIP_ARTIFACTS = re.compile(r"^(?:arafed|araffe|araffed|arafe)\s+", re.IGNORECASE)


class BlipCaptioner:
    """BLIP (BlipForConditionalGeneration + BlipProcessor) writing one short caption per image."""

    def __init__(self, *, model_id: str, model: Any, processor: Any, device: str, max_new_tokens: int) -> None:
        self.model_id = model_id
        self._model = model
        self._processor = processor
        self._device = device
        self._max_new_tokens = max_new_tokens
        self._lock = threading.Lock()
        _encode_images_one_at_a_time(model)

    @classmethod
    def load(
        cls,
        model: str,
        *,
        device: str = "auto",
        max_new_tokens: int = 30,
        threads: int | None = None,
        precision: str = "auto",
    ) -> BlipCaptioner:
        """Load a hub id or a saved folder, then warm it up."""
        if not 1 <= max_new_tokens <= MAX_NEW_TOKENS_LIMIT:
            raise ConfigError(
                f"CAPTION_MAX_TOKENS={max_new_tokens} is out of range: use 1 to {MAX_NEW_TOKENS_LIMIT} (30 is plenty)."
            )
        loaded = load_pretrained(
            locate_caption_model(model),
            processor_class="BlipProcessor",
            network_class="BlipForConditionalGeneration",
            device=device,
            threads=threads,
            setting=SETTING,
            model=model,
            example=EXAMPLE,
            # Pillow preprocessing: the torchvision backend needs torchvision, which the app does not install,
            # and asking for it means a fall-back warning on every load.
            processor_options={"backend": "pil"},
            precision=precision,
        )
        captioner = cls(
            model_id=model,
            model=loaded.network,
            processor=loaded.processor,
            device=loaded.device,
            max_new_tokens=max_new_tokens,
        )
        captioner.warm_up()
        return captioner

    def caption(self, image: bytes) -> str:
        return self.caption_many([image])[0]

    def caption_many(self, images: Sequence[bytes]) -> list[str]:
        """All images through one generate(): 4 BLIP-base captions take 0.76x the time of 4 calls at 15 tokens.

        Every image is decoded first, so one unreadable image fails the batch before the model runs. Greedy
        decoding starts every caption from the same token, so a batch needs no padding and gives each image
        the tokens it gets alone.
        """
        if not images:
            return []
        pixels = self._preprocess([_decode_image(image) for image in images])
        with self._lock, inference_mode():
            token_ids = self._model.generate(pixel_values=pixels, max_new_tokens=self._max_new_tokens)
        return self._postprocess(token_ids)

    def warm_up(self) -> None:
        """One short caption of a blank image, so the first user is not the one paying for lazy set-up."""
        from PIL import Image

        pixels = self._preprocess(Image.new("RGB", (64, 64), (128, 128, 128)))
        with self._lock, inference_mode():
            self._model.generate(pixel_values=pixels, max_new_tokens=WARMUP_TOKENS)

    def _preprocess(self, picture: Any) -> Any:
        inputs = self._processor(images=picture, return_tensors="pt")
        return inputs["pixel_values"].to(self._device, dtype=self._model.dtype)

    def _postprocess(self, token_ids: Any) -> list[str]:
        return [_clean(text) for text in self._processor.batch_decode(token_ids, skip_special_tokens=True)]


def locate_caption_model(model: str) -> ModelSource:
    """Where CAPTION_MODEL loads from, without loading it (also used by `check`)."""
    return locate_model(model, setting=SETTING, example=EXAMPLE)


def load_captioner(
    *, model: str, device: str = "auto", max_new_tokens: int = 30, threads: int | None = None, precision: str = "auto"
) -> Captioner:
    """Load BLIP from CAPTION_MODEL (hub id or folder) in CAPTION_PRECISION; failures are ModelLoadErrors naming it."""
    return BlipCaptioner.load(model, device=device, max_new_tokens=max_new_tokens, threads=threads, precision=precision)


def _decode_image(data: bytes) -> Any:
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise ImageError("The image to caption is empty (0 bytes). Generate the image again.")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()  # decode now: a truncated file fails here, not inside the model call
            return opened.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(
            "The image could not be read for captioning: it is not a valid PNG, JPEG or WebP file, or it is "
            "damaged. Generate the image again."
        ) from exc


def _encode_images_one_at_a_time(model: Any) -> None:
    """Run BLIP's vision encoder image by image inside a batched generate(); the text decoder stays batched.

    The encoder's attention is eager (no fused kernel in BLIP): at 384 px each image is 577 patches, and a batch
    of 4 builds attention maps too large for the CPU's caches. Measured at BLIP-base size on 2 cores: 0.41 s per
    image alone, 0.57 s each in a batch of 4. The decoder's steps are what batching speeds up. The outputs are
    the same tensors either way, so the captions are too.
    """
    import torch

    vision = getattr(model, "vision_model", None)
    if vision is None or getattr(vision, "_one_image_at_a_time", False):
        return
    encode = vision.forward

    def forward(pixel_values: Any = None, **options: Any) -> Any:
        if pixel_values is None or pixel_values.shape[0] == 1:
            return encode(pixel_values=pixel_values, **options)
        # generate() reads only the first output, the patch embeddings.
        return (torch.cat([encode(pixel_values=one[None], **options)[0] for one in pixel_values]),)

    vision.forward = forward
    vision._one_image_at_a_time = True


def _clean(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return _BLIP_ARTIFACTS.sub("", text).strip()
