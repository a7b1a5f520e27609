"""Image inspection, thumbnails and object keys."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from core.app.images import ImageInfo, inspect_image, make_thumbnail, new_object_keys
from core.domain.errors import ImageError

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def encode(image: Image.Image, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=image_format)
    return buffer.getvalue()


def gradient(width: int, height: int, mode: str = "RGB") -> Image.Image:
    image = Image.linear_gradient("L").resize((width, height))
    return image.convert(mode)


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((1024, 768), (256, 192)),  # landscape 4:3
        ((768, 1344), (146, 256)),  # portrait 9:16 as FLUX draws it
        ((1440, 608), (256, 108)),  # 21:9
        ((1000, 1000), (256, 256)),
        ((1001, 333), (256, 85)),  # an odd size whose scaled side rounds
    ],
)
def test_thumbnail_longest_side_is_256_and_aspect_ratio_is_kept(
    size: tuple[int, int], expected: tuple[int, int]
) -> None:
    thumbnail = decode(make_thumbnail(encode(gradient(*size))))

    assert thumbnail.format == "WEBP"
    assert thumbnail.size == expected


def test_thumbnail_of_a_jpeg_decoded_at_reduced_scale_is_still_exactly_256() -> None:
    thumbnail = decode(make_thumbnail(encode(gradient(1344, 768), "JPEG")))

    assert thumbnail.size == (256, 146)


def test_thumbnail_never_upscales_a_small_image() -> None:
    thumbnail = decode(make_thumbnail(encode(gradient(120, 40))))

    assert thumbnail.size == (120, 40)
    assert thumbnail.format == "WEBP"


def test_thumbnail_honours_a_custom_longest_side() -> None:
    assert decode(make_thumbnail(encode(gradient(400, 800)), longest_side=64)).size == (32, 64)


def test_thumbnail_of_rgba_image_keeps_transparency() -> None:
    image = Image.new("RGBA", (512, 512), (255, 0, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, 256, 512))  # left half fully transparent

    thumbnail = decode(make_thumbnail(encode(image)))

    assert thumbnail.size == (256, 256)
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((10, 128))[3] == 0
    assert thumbnail.getpixel((245, 128))[3] == 255


@pytest.mark.parametrize("mode", ["P", "L", "LA", "1", "CMYK"])
def test_thumbnail_accepts_other_colour_modes(mode: str) -> None:
    image_format = "JPEG" if mode == "CMYK" else "PNG"

    thumbnail = decode(make_thumbnail(encode(gradient(600, 300, mode), image_format)))

    assert thumbnail.size == (256, 128)
    assert thumbnail.mode in ("RGB", "RGBA")


def test_thumbnail_of_palette_image_with_transparency_keeps_it() -> None:
    image = Image.new("P", (300, 300), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(0, (0, 0, 150, 300))
    image.info["transparency"] = 0

    thumbnail = decode(make_thumbnail(encode(image)))

    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((5, 5))[3] == 0
    assert thumbnail.getpixel((250, 5))[3] == 255


@pytest.mark.parametrize(
    ("image_format", "expected"),
    [("WEBP", "webp"), ("JPEG", "jpg"), ("PNG", "png")],
)
def test_inspect_image_reports_size_and_output_format(image_format: str, expected: str) -> None:
    info = inspect_image(encode(gradient(640, 360), image_format))

    assert info == ImageInfo(width=640, height=360, format=expected)
    assert info.content_type == {"webp": "image/webp", "jpg": "image/jpeg", "png": "image/png"}[expected]


@pytest.mark.parametrize("data", [b"", b"<html>not an image</html>", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10])
def test_bytes_that_are_not_an_image_raise_an_image_error(data: bytes) -> None:
    with pytest.raises(ImageError, match="generate it again"):
        inspect_image(data)
    with pytest.raises(ImageError, match="generate it again"):
        make_thumbnail(data)


def test_truncated_image_raises_an_image_error_when_thumbnailed() -> None:
    data = encode(gradient(800, 600), "JPEG")

    with pytest.raises(ImageError, match="generate it again"):
        make_thumbnail(data[: len(data) // 3])


@pytest.mark.parametrize(
    ("output_format", "extension"), [("webp", "webp"), ("jpg", "jpg"), ("png", "png"), ("JPEG", "jpg")]
)
def test_object_keys_share_one_uuid_and_name_the_formats(output_format: str, extension: str) -> None:
    image_key, thumbnail_key = new_object_keys(output_format)

    image_match = re.fullmatch(rf"images/({UUID})\.{extension}", image_key)
    thumbnail_match = re.fullmatch(rf"thumbnails/({UUID})\.webp", thumbnail_key)
    assert image_match and thumbnail_match
    assert image_match.group(1) == thumbnail_match.group(1)


def test_object_keys_differ_on_every_call() -> None:
    keys = {new_object_keys("webp") for _ in range(200)}

    assert len(keys) == 200
    assert len({image for image, _ in keys}) == 200


@pytest.mark.parametrize("output_format", ["gif", "../../etc/passwd", "webp/x", ""])
def test_object_keys_refuse_formats_outside_the_known_ones_as_a_programming_error(output_format: str) -> None:
    with pytest.raises(ValueError, match="webp, jpg, png"):
        new_object_keys(output_format)
