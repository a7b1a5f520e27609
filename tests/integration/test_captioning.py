"""BLIP captions load and run through core.captioning.blip, with a tiny random BLIP saved by save_pretrained."""

from __future__ import annotations

import io
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from core.app.services import load_captioner_for
from core.captioning.blip import BlipCaptioner, load_captioner
from core.config.settings import load_settings
from core.domain.errors import ConfigError, ImageError, ModelLoadError
from core.domain.ports import Captioner
from tests.fixtures.models import BLIP_WORD, random_blip, tiny_blip_config


def image_bytes(
    colour: tuple[int, ...], *, mode: str = "RGB", size: tuple[int, int] = (96, 64), fmt: str = "PNG"
) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def captioner(tiny_blip_dir: Path) -> Captioner:
    return load_captioner(model=str(tiny_blip_dir), device="cpu", max_new_tokens=6, threads=1)


def test_caption_of_a_png_is_words_from_the_model(captioner: Captioner, tiny_blip_dir: Path) -> None:
    caption = captioner.caption(image_bytes((200, 40, 40)))

    assert caption.split()[0] == BLIP_WORD
    assert caption == caption.strip() and "  " not in caption
    assert captioner.model_id == str(tiny_blip_dir)


def test_caption_holds_no_special_tokens(captioner: Captioner) -> None:
    caption = captioner.caption(image_bytes((10, 120, 250)))

    assert not any(token in caption for token in ("[DEC]", "[SEP]", "[PAD]", "[CLS]", "[UNK]"))


@pytest.mark.parametrize(
    ("mode", "colour", "fmt"),
    [
        ("RGB", (30, 30, 30), "JPEG"),
        ("RGB", (0, 200, 0), "WEBP"),
        ("RGBA", (0, 0, 255, 128), "PNG"),
        ("L", (90,), "PNG"),
    ],
)
def test_jpeg_webp_transparent_and_grey_images_are_captioned(
    captioner: Captioner, mode: str, colour: tuple[int, ...], fmt: str
) -> None:
    assert BLIP_WORD in captioner.caption(image_bytes(colour, mode=mode, fmt=fmt))


@pytest.mark.parametrize("limit", [1, 3, 9])
def test_max_new_tokens_bounds_the_caption_length(tiny_blip_dir: Path, limit: int) -> None:
    captioner = load_captioner(model=str(tiny_blip_dir), max_new_tokens=limit, threads=1)

    words = captioner.caption(image_bytes((120, 120, 0))).split()

    # The biased tiny model never chooses to stop, so it runs exactly up to the bound.
    assert len(words) == limit


def test_four_threads_sharing_one_model_get_the_same_captions_as_one_at_a_time(captioner: Captioner) -> None:
    images = [image_bytes((i * 60, 255 - i * 60, 90), size=(40 + 30 * i, 64)) for i in range(4)]
    one_at_a_time = [captioner.caption(image) for image in images]

    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = [future.result() for future in [pool.submit(captioner.caption, image) for image in images]]

    assert at_once == one_at_a_time
    assert all(caption for caption in at_once)


def test_a_batch_of_four_gets_the_captions_each_image_gets_alone(captioner: Captioner) -> None:
    images = [image_bytes((i * 60, 255 - i * 60, 90), size=(40 + 30 * i, 64)) for i in range(4)]

    batched = captioner.caption_many(images)

    assert batched == [captioner.caption(image) for image in images]
    assert captioner.caption_many([]) == []


def test_a_batch_runs_the_vision_encoder_image_by_image_and_the_text_decoder_once(captioner: Captioner) -> None:
    # A batch of 4 through BLIP's eager attention is slower per image than one image alone (bench captions).
    model = captioner._model  # type: ignore[attr-defined]
    encoded: list[int] = []
    decoded: list[int] = []
    hooks = [
        model.vision_model.embeddings.register_forward_pre_hook(lambda _m, args: encoded.append(args[0].shape[0])),
        model.text_decoder.register_forward_pre_hook(
            lambda _m, args, kwargs: decoded.append(kwargs["input_ids"].shape[0]), with_kwargs=True
        ),
    ]
    try:
        captioner.caption_many([image_bytes((i * 50, 90, 200 - i * 40)) for i in range(4)])
    finally:
        for hook in hooks:
            hook.remove()

    assert encoded == [1, 1, 1, 1]
    assert decoded and set(decoded) == {4}


def test_a_model_that_sees_the_images_scores_each_one_in_a_batch_as_it_does_alone() -> None:
    # The shared tiny BLIP writes the same word whatever the image, so equal captions prove little there. With
    # larger random weights the decoder attends to the image: captions and every step's scores differ by image.
    import torch

    config = tiny_blip_config()
    for part in (config, config.vision_config, config.text_config):
        part.initializer_range = 0.5
    model, processor = random_blip(config)
    captioner = BlipCaptioner(model_id="tiny", model=model, processor=processor, device="cpu", max_new_tokens=4)
    generate = model.generate
    scores: list[Any] = []

    def scoring_generate(**options: Any) -> Any:
        out = generate(**options, output_scores=True, return_dict_in_generate=True)
        scores.append(torch.stack(out.scores))  # steps x images x vocabulary
        return out.sequences

    model.generate = scoring_generate
    images = [image_bytes((i * 60, 255 - i * 60, 90), size=(40 + 30 * i, 64)) for i in range(4)]

    batched = captioner.caption_many(images)
    alone = [captioner.caption(image) for image in images]

    assert batched == alone and len(set(alone)) > 1, "the images must get different captions"
    batch_scores, single_scores = scores[0], [single[:, 0] for single in scores[1:]]
    for index, single in enumerate(single_scores):
        assert torch.allclose(batch_scores[:, index], single, atol=1e-4)


def test_one_unreadable_image_fails_the_batch_before_the_model_runs(captioner: Captioner) -> None:
    with pytest.raises(ImageError):
        captioner.caption_many([image_bytes((1, 2, 3)), b"not an image"])


@pytest.mark.parametrize(
    "data",
    [b"", b"definitely not an image", image_bytes((1, 2, 3))[:60]],
    ids=["empty", "text", "truncated-png"],
)
def test_bytes_that_are_not_an_image_raise_image_error_saying_what_to_do(captioner: Captioner, data: bytes) -> None:
    with pytest.raises(ImageError) as error:
        captioner.caption(data)

    assert "Generate the image again" in str(error.value)


def test_missing_caption_model_folder_fails_fast_naming_caption_model(tmp_path: Path) -> None:
    missing = tmp_path / "blip-base"
    started = time.perf_counter()

    with pytest.raises(ModelLoadError) as error:
        load_captioner(model=str(missing))

    assert time.perf_counter() - started < 5
    assert "CAPTION_MODEL" in str(error.value) and str(missing) in str(error.value)


def test_caption_model_absent_from_the_offline_hub_cache_fails_fast() -> None:
    started = time.perf_counter()

    with pytest.raises(ModelLoadError) as error:
        load_captioner(model="example-org/blip-never-downloaded")

    assert time.perf_counter() - started < 5
    assert "CAPTION_MODEL=example-org/blip-never-downloaded" in str(error.value)


def test_folder_without_a_model_fails_saying_config_json_is_missing(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("no weights here")

    with pytest.raises(ModelLoadError) as error:
        load_captioner(model=str(tmp_path))

    assert f"CAPTION_MODEL={tmp_path}" in str(error.value) and "config.json is missing" in str(error.value)


def test_folder_with_a_damaged_model_fails_with_model_load_error(tiny_blip_dir: Path, tmp_path: Path) -> None:
    for item in tiny_blip_dir.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    (tmp_path / "model.safetensors").write_bytes(b"truncated")

    with pytest.raises(ModelLoadError) as error:
        load_captioner(model=str(tmp_path))

    assert f"CAPTION_MODEL={tmp_path} could not be loaded" in str(error.value)


@pytest.mark.parametrize("limit", [0, 1000])
def test_out_of_range_token_limit_is_a_configuration_error_raised_before_loading(
    tiny_blip_dir: Path, limit: int
) -> None:
    with pytest.raises(ConfigError, match="CAPTION_MAX_TOKENS"):
        BlipCaptioner.load(str(tiny_blip_dir), max_new_tokens=limit)


def test_caption_precision_bfloat16_loads_the_model_in_bfloat16_and_still_captions(tiny_blip_dir: Path) -> None:
    import torch

    environ = {"CAPTION_MODEL": str(tiny_blip_dir), "CAPTION_MAX_TOKENS": "5", "CAPTION_PRECISION": "bfloat16"}
    captioner = load_captioner_for(load_settings(environ, dotenv_path=None))
    images = [image_bytes((200, 30, 30)), image_bytes((30, 30, 200), size=(48, 32))]

    captions = captioner.caption_many(images)

    assert captioner._model.dtype == torch.bfloat16  # type: ignore[attr-defined]
    assert len(captions) == 2 and all(captions) and captions == [captioner.caption(image) for image in images]


def test_caption_precision_auto_is_float32_on_a_cpu(tiny_blip_dir: Path) -> None:
    import torch

    captioner = load_captioner(model=str(tiny_blip_dir), device="cpu", max_new_tokens=3)

    assert captioner._model.dtype == torch.float32  # type: ignore[attr-defined]
