"""ReplicateGenerator through the real replicate client, over HTTP, against the fake Replicate server."""

from __future__ import annotations

import io
import socket

import pytest
from PIL import Image

from core.config.settings import Secret, Settings
from core.domain.errors import ConfigError, GenerationError
from core.domain.ports import GenerationRequest
from core.replicate.client import ReplicateModel
from core.replicate.flux import IMAGE_TASK, ReplicateGenerator, flux_input
from tests.fakes import FakeClock
from tests.fixtures.replicate_server import NSFW_ERROR, FakeReplicate, Scenario, make_image


def generator_for(fake: FakeReplicate, clock: FakeClock, **options: object) -> ReplicateGenerator:
    settings: dict[str, object] = {
        "model": Settings.image_model,
        "api_token": Secret(fake.token),
        "base_url": fake.base_url,
        "sleep": clock.sleep,
        "clock": clock,
    }
    settings.update(options)
    return ReplicateGenerator(ReplicateModel(task=IMAGE_TASK, **settings))  # type: ignore[arg-type]


def failure_message(generator: ReplicateGenerator, request: GenerationRequest, token: str) -> str:
    with pytest.raises(GenerationError) as caught:
        generator.generate(request)
    message = str(caught.value)
    assert token not in message
    return message


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_data_url_output_becomes_the_image_in_the_requested_shape_and_format(fake_replicate, clock):
    request = GenerationRequest(prompt="a lighthouse at dusk", aspect_ratio="16:9", seed=42, output_format="png")

    [image] = generator_for(fake_replicate, clock).generate(request)

    assert image.output_format == "png"
    assert image.content_type == "image/png"
    assert image.data == make_image(aspect_ratio="16:9", output_format="png", seed=42)
    assert opened(image.data).format == "PNG"
    assert opened(image.data).size == (128, 72)
    assert image.source_url == "data:image/png;base64,..."
    assert clock.sleeps == []


def test_request_body_carries_prompt_seed_aspect_ratio_and_format_with_prefer_wait(fake_replicate, clock):
    request = GenerationRequest(prompt="ein Haus 🏠 بيت", aspect_ratio="9:16", seed=7, output_format="jpg")

    [image] = generator_for(fake_replicate, clock, timeout_s=30).generate(request)

    [sent] = fake_replicate.created
    assert sent.path == "/v1/models/black-forest-labs/flux-schnell/predictions"
    assert sent.authorized
    assert sent.headers["Prefer"] == "wait=30"
    assert sent.body == {"input": flux_input(request)}
    assert sent.body["input"]["seed"] == 7
    assert opened(image.data).format == "JPEG"
    assert opened(image.data).size == (72, 128)


def test_http_output_is_downloaded_without_sending_the_token_to_the_file_host(fake_replicate, clock):
    fake_replicate.queue("ok_http_output")

    [image] = generator_for(fake_replicate, clock).generate(GenerationRequest(prompt="a fox", seed=3))

    assert image.source_url is not None
    assert image.source_url.startswith(f"{fake_replicate.base_url}/files/")
    assert image.data == make_image(aspect_ratio="1:1", output_format="webp", seed=3)
    assert opened(image.data).format == "WEBP"
    [download] = fake_replicate.requests_to("GET", "/files/")
    assert not download.authorized
    assert "Authorization" not in download.headers


def test_processing_prediction_is_polled_until_it_succeeds(fake_replicate, clock):
    fake_replicate.queue(Scenario("processing_then_ok", polls=3))

    images = generator_for(fake_replicate, clock, poll_interval_s=0.25).generate(GenerationRequest(prompt="rain"))

    assert len(images) == 1
    assert len(fake_replicate.requests_to("GET", "/v1/predictions/")) == 3
    assert clock.sleeps == [0.25, 0.25, 0.25]


def test_polling_rides_out_a_server_error(fake_replicate, clock):
    fake_replicate.queue(Scenario("processing_then_ok", polls=1, poll_failures=1))

    images = generator_for(fake_replicate, clock, poll_interval_s=0.5).generate(GenerationRequest(prompt="rain"))

    assert len(images) == 1
    assert clock.sleeps == [0.5, 1.0, 0.5]  # poll, back off after the 500, poll again
    assert len(fake_replicate.created) == 1


def test_three_outputs_give_three_different_images(fake_replicate, clock):
    images = generator_for(fake_replicate, clock).generate(GenerationRequest(prompt="cats", num_outputs=3, seed=1))

    assert len(images) == 3
    assert len({image.data for image in images}) == 3


def test_seed_decides_the_image(fake_replicate, clock):
    generator = generator_for(fake_replicate, clock)

    [first] = generator.generate(GenerationRequest(prompt="sea", seed=11, output_format="png"))
    [again] = generator.generate(GenerationRequest(prompt="sea", seed=11, output_format="png"))
    [other] = generator.generate(GenerationRequest(prompt="sea", seed=12, output_format="png"))

    assert first.data == again.data
    assert first.data != other.data


def test_model_with_a_version_creates_the_prediction_by_version(fake_replicate, clock):
    generator = generator_for(fake_replicate, clock, model="someone/some-flux:abc123")

    [image] = generator.generate(GenerationRequest(prompt="a kite", output_format="png"))

    [sent] = fake_replicate.created
    assert sent.path == "/v1/predictions"
    assert sent.body["version"] == "abc123"
    assert opened(image.data).format == "PNG"
    assert generator.model_id == "someone/some-flux:abc123"


def test_base_url_from_the_environment_is_honoured(fake_replicate, clock, monkeypatch):
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)

    images = generator_for(fake_replicate, clock, base_url=None).generate(GenerationRequest(prompt="a boat"))

    assert len(images) == 1
    assert len(fake_replicate.created) == 1


def test_rejected_token_says_to_check_replicate_api_token(fake_replicate, clock):
    wrong = "r8_wrong_secret_value"
    generator = generator_for(fake_replicate, clock, api_token=Secret(wrong))

    message = failure_message(generator, GenerationRequest(prompt="x"), wrong)

    assert "REPLICATE_API_TOKEN" in message
    assert "rejected" in message
    assert len(fake_replicate.created) == 1  # a refused token is not retried


def test_invalid_input_message_includes_replicates_detail(fake_replicate, clock):
    request = GenerationRequest(prompt="x", aspect_ratio="7:3")

    message = failure_message(generator_for(fake_replicate, clock), request, fake_replicate.token)

    assert "invalid" in message
    assert "aspect_ratio must be one of the following" in message
    assert len(fake_replicate.created) == 1


def test_rate_limit_is_retried_after_the_seconds_replicate_asks_for(fake_replicate, clock):
    fake_replicate.queue(Scenario("status_429", retry_after=2), "ok")

    images = generator_for(fake_replicate, clock).generate(GenerationRequest(prompt="x"))

    assert len(images) == 1
    assert clock.sleeps == [2.0]
    assert len(fake_replicate.created) == 2


def test_rate_limit_that_persists_ends_with_a_wait_and_try_again_message(fake_replicate, clock):
    fake_replicate.queue(*[Scenario("status_429", retry_after=1)] * 3)
    generator = generator_for(fake_replicate, clock, max_retries=2)

    message = failure_message(generator, GenerationRequest(prompt="x"), fake_replicate.token)

    assert "wait" in message
    assert "try again" in message
    assert clock.sleeps == [1.0, 1.0]
    assert len(fake_replicate.created) == 3


def test_rate_limit_asking_for_a_long_wait_fails_at_once_saying_how_long(fake_replicate, clock):
    fake_replicate.queue(Scenario("status_429", retry_after=600))

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), "r8_test_token")

    assert "about 600 seconds" in message
    assert clock.sleeps == []


def test_server_error_is_retried_with_backoff(fake_replicate, clock):
    fake_replicate.queue("status_500", "status_502", "ok")

    images = generator_for(fake_replicate, clock).generate(GenerationRequest(prompt="x"))

    assert len(images) == 1
    assert clock.sleeps == [1.0, 2.0]


def test_server_error_that_persists_says_replicate_is_unavailable(fake_replicate, clock):
    fake_replicate.queue(*["status_500"] * 4)

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), "r8_test_token")

    assert "Replicate is unavailable" in message
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert len(fake_replicate.created) == 4


def test_unreachable_replicate_is_retried_then_reported(clock):
    with socket.socket() as probe:  # a port that was free a moment ago answers nothing
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    generator = generator_for(
        FakeReplicate(base_url=f"http://127.0.0.1:{port}", token="r8_test_token"), clock, max_retries=2
    )

    with pytest.raises(GenerationError, match="Replicate is unavailable") as caught:
        generator.generate(GenerationRequest(prompt="x"))

    assert "r8_test_token" not in str(caught.value)
    assert clock.sleeps == [1.0, 2.0]


def test_prediction_that_never_finishes_is_canceled_after_the_timeout(fake_replicate, clock):
    fake_replicate.queue("slow")
    generator = generator_for(fake_replicate, clock, timeout_s=2)

    message = failure_message(generator, GenerationRequest(prompt="x"), fake_replicate.token)

    assert "within 2 seconds" in message
    assert "REPLICATE_TIMEOUT" in message
    assert sum(clock.sleeps) == pytest.approx(2.0)
    [cancel] = fake_replicate.cancels
    assert cancel.authorized
    [prediction] = fake_replicate.predictions.values()
    assert prediction.canceled


def test_nsfw_failure_suggests_rephrasing_the_prompt(fake_replicate, clock):
    fake_replicate.queue("nsfw")

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), "r8_test_token")

    assert "NSFW" in message
    assert "Rephrase the prompt" in message
    assert NSFW_ERROR not in message  # the advice replaces Replicate's "try running it again"


def test_failed_prediction_reports_the_models_error(fake_replicate, clock):
    fake_replicate.queue(Scenario("failed", error="CUDA out of memory"))

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), "r8_test_token")

    assert "CUDA out of memory" in message
    assert len(fake_replicate.created) == 1  # a failed prediction was paid for: never retried silently


def test_canceled_prediction_says_to_start_again(fake_replicate, clock):
    fake_replicate.queue("canceled")

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), "r8_test_token")

    assert "canceled" in message


def test_output_that_is_not_an_image_is_refused(fake_replicate, clock):
    fake_replicate.queue("not_image")

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), "r8_test_token")

    assert "not an image" in message


def test_missing_token_fails_before_any_request(fake_replicate, clock):
    generator = generator_for(fake_replicate, clock, api_token=None)

    with pytest.raises(GenerationError, match="set REPLICATE_API_TOKEN"):
        generator.generate(GenerationRequest(prompt="x"))

    assert fake_replicate.requests == []


def test_message_echoing_the_token_is_scrubbed(fake_replicate, clock):
    fake_replicate.queue(Scenario("failed", error=f"bad header Bearer {fake_replicate.token}"))

    message = failure_message(generator_for(fake_replicate, clock), GenerationRequest(prompt="x"), fake_replicate.token)

    assert "Bearer ********" in message


def test_check_names_the_account_or_says_the_token_is_rejected(fake_replicate, clock):
    assert "tester" in generator_for(fake_replicate, clock).check()

    with pytest.raises(GenerationError, match="rejected the API token"):
        generator_for(fake_replicate, clock, api_token=Secret("r8_other")).check()


@pytest.mark.parametrize("model", ["flux-schnell", "a/b/c", "/flux", "owner/"])
def test_model_that_is_not_owner_slash_name_is_a_configuration_error(model):
    with pytest.raises(ConfigError, match="IMAGE_MODEL"):
        ReplicateModel(api_token=Secret("r8_x"), model=model, task=IMAGE_TASK)
