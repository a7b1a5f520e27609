"""ReplicateEditor (FLUX.1 Kontext) through the real replicate client, over HTTP, against the fake Replicate server."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from core.config.settings import Secret, Settings
from core.domain.errors import GenerationError
from core.domain.ports import EditRequest
from core.replicate.client import ReplicateModel
from core.replicate.kontext import EDIT_TASK, ReplicateEditor
from tests.fakes import FakeClock
from tests.fixtures.replicate_server import NSFW_ERROR, FakeReplicate, Scenario, make_image


def editor_for(fake: FakeReplicate, clock: FakeClock, **options: object) -> ReplicateEditor:
    settings: dict[str, object] = {
        "model": Settings.image_edit_model,
        "api_token": Secret(fake.token),
        "base_url": fake.base_url,
        "sleep": clock.sleep,
        "clock": clock,
    }
    settings.update(options)
    return ReplicateEditor(ReplicateModel(task=EDIT_TASK, **settings))  # type: ignore[arg-type]


SOURCE = make_image(aspect_ratio="16:9", output_format="webp", seed=3)


def request(**changes: object) -> EditRequest:
    values: dict[str, object] = {
        "instruction": "make it night",
        "image": SOURCE,
        "content_type": "image/webp",
        "seed": 11,
        "output_format": "png",
    }
    values.update(changes)
    return EditRequest(**values)  # type: ignore[arg-type]


def pixel(data: bytes) -> tuple[int, int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB").getpixel((2, 2))  # type: ignore[return-value]


def failure(editor: ReplicateEditor, token: str, **changes: object) -> str:
    with pytest.raises(GenerationError) as caught:
        editor.edit(request(**changes))
    assert token not in str(caught.value)
    return str(caught.value)


def test_the_source_is_uploaded_and_the_edit_is_derived_from_it(fake_replicate, clock):
    image = editor_for(fake_replicate, clock).edit(request())

    [upload] = fake_replicate.uploads
    assert upload.data == SOURCE
    [sent] = fake_replicate.created
    assert sent.path == "/v1/models/black-forest-labs/flux-kontext-pro/predictions"
    assert sent.body["input"] == {
        "prompt": "make it night",
        "input_image": f"{fake_replicate.base_url}/files/{upload.id}",
        "aspect_ratio": "match_input_image",
        "output_format": "png",
        "seed": 11,
        "safety_tolerance": 2,
    }
    assert image.output_format == "png"
    with Image.open(io.BytesIO(image.data)) as edited, Image.open(io.BytesIO(SOURCE)) as source:
        assert edited.size == source.size
    inverted = tuple(255 - channel for channel in pixel(SOURCE))
    assert all(abs(a - b) <= 8 for a, b in zip(pixel(image.data), inverted, strict=True))


def test_an_http_output_url_is_downloaded(fake_replicate, clock):
    fake_replicate.queue("ok_http_output")
    image = editor_for(fake_replicate, clock).edit(request(output_format="jpg"))
    assert image.output_format == "jpg"
    assert image.source_url and image.source_url.startswith(fake_replicate.base_url)


def test_the_fake_refuses_an_edit_without_an_input_image_with_422(fake_replicate):
    import httpx

    answer = httpx.post(
        f"{fake_replicate.base_url}/v1/models/black-forest-labs/flux-kontext-pro/predictions",
        json={"input": {"prompt": "make it night"}},
        headers={"Authorization": f"Bearer {fake_replicate.token}"},
    )
    assert answer.status_code == 422
    assert "input_image is required" in answer.json()["detail"]


def test_webp_or_other_formats_are_refused_before_paying(fake_replicate, clock):
    assert "jpg or png" in failure(editor_for(fake_replicate, clock), fake_replicate.token, output_format="webp")
    assert fake_replicate.created == []


@pytest.mark.parametrize(
    ("scenario", "advice"),
    [
        (Scenario("failed", error=NSFW_ERROR), "safety filter refused this edit"),
        (Scenario("failed", error="The input or output was flagged as sensitive (E005)"), "safety filter"),
        (Scenario("status_429", retry_after=120), "limiting how often this account can edit images"),
        (Scenario("status_422"), "refused the request as invalid"),
        (Scenario("slow"), "did not finish the edited image within"),
    ],
)
def test_each_failure_says_what_to_do(fake_replicate, clock, scenario, advice):
    fake_replicate.queue(scenario)
    assert advice in failure(editor_for(fake_replicate, clock, timeout_s=5), fake_replicate.token)
    assert len(fake_replicate.created) == 1  # never a second paid attempt


def test_check_names_the_account_and_the_edit_model_and_an_unknown_model_is_named(fake_replicate, clock):
    assert "flux-kontext-pro" in editor_for(fake_replicate, clock).check()
    with pytest.raises(GenerationError, match="does not know the model someone/nothing: check IMAGE_EDIT_MODEL"):
        editor_for(fake_replicate, clock, model="someone/nothing").check()
    assert fake_replicate.created == []


def test_no_token_is_refused_without_a_request(fake_replicate, clock):
    editor = editor_for(fake_replicate, clock, api_token=None)
    with pytest.raises(GenerationError, match="REPLICATE_API_TOKEN"):
        editor.check()
    with pytest.raises(GenerationError, match="REPLICATE_API_TOKEN"):
        editor.edit(request())
    assert fake_replicate.requests == []
