"""Image bytes: what they are, their WebP thumbnail, and the object keys they are stored under."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from core.domain.errors import ImageError
from core.domain.ports import FORMAT_ALIASES, OUTPUT_FORMATS, PILLOW_FORMATS, content_type_of

THUMBNAIL_LONGEST_SIDE = 256
THUMBNAIL_QUALITY = 80


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    format: str  # webp | jpg | png, or Pillow's name in lower case for anything else

    @property
    def content_type(self) -> str:
        return content_type_of(self.format)


def inspect_image(data: bytes) -> ImageInfo:
    """Size and format of encoded image bytes, read from the header only."""
    with _open(data) as image:
        pillow_format = image.format or ""
        width, height = image.size
    if width < 1 or height < 1:
        raise ImageError("The generated image is empty (0 pixels wide or high): generate it again.")
    return ImageInfo(width=width, height=height, format=PILLOW_FORMATS.get(pillow_format, pillow_format.lower()))


def make_thumbnail(data: bytes, longest_side: int = THUMBNAIL_LONGEST_SIDE) -> bytes:
    """A WebP copy whose longest side is `longest_side` pixels (smaller images keep their size)."""
    if longest_side < 1:
        raise ValueError(f"longest_side must be at least 1, got {longest_side}")
    with _open(data) as image:
        # JPEG can decode at 1/2, 1/4 or 1/8 scale directly, which is much faster than a full decode.
        image.draft("RGB", (longest_side, longest_side))
        try:
            oriented = ImageOps.exif_transpose(image)
            converted = oriented.convert("RGBA" if _has_alpha(oriented) else "RGB")
        except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt pixel data
            raise ImageError(
                f"The generated image could not be decoded ({type(exc).__name__}): generate it again."
            ) from exc
    width, height = converted.size
    scale = min(1.0, longest_side / max(width, height))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        # Rounding may leave the longest side one pixel off; pin it to exactly `longest_side`.
        size = (longest_side, size[1]) if width >= height else (size[0], longest_side)
        converted = converted.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    buffer = io.BytesIO()
    converted.save(buffer, format="WEBP", quality=THUMBNAIL_QUALITY, method=4)
    return buffer.getvalue()


def new_object_keys(output_format: str) -> tuple[str, str]:
    """(image key, thumbnail key) sharing one random UUID; never derived from user text."""
    extension = FORMAT_ALIASES.get(output_format.lower(), output_format.lower())
    if extension not in OUTPUT_FORMATS:
        # Generators only hand over these formats (core.replicate.flux checks), so anything else is a bug.
        raise ValueError(f"Output format {output_format!r} is not supported: use one of {', '.join(OUTPUT_FORMATS)}.")
    name = str(uuid.uuid4())
    return f"images/{name}.{extension}", f"thumbnails/{name}.webp"


def _open(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(
            f"The generated image could not be read ({len(data)} bytes, not a PNG, JPEG or WebP image): "
            "generate it again."
        ) from exc
    image.seek(0)  # animated files: the first frame stands for the image
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    )
