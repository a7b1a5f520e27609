"""Whisper and BLIP on Replicate through the real replicate client, over HTTP, against the fake Replicate server.

Every failure rule of image generation is proven again for each remote engine (parametrized: speech, caption).
"""

from __future__ import annotations

import io
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import soundfile

from core.captioning.blip_replicate import CAPTION_TASK, ReplicateCaptioner
from core.config.settings import Secret
from core.domain.errors import ConfigError, InputError, RemoteModelError
from core.domain.ports import AudioClip
from core.replicate.client import ReplicateModel
from core.speech.whisper_replicate import SPEECH_TASK, ReplicateTranscriber
from tests.fakes import FakeClock
from tests.fixtures.replicate_server import FakeReplicate, Scenario, make_image

CLIP = AudioClip(samples=(0.3 * np.sin(np.arange(24_000) / 8)).astype(np.float32))  # 1.5 s at 16 kHz
IMAGE = make_image(aspect_ratio="1:1", output_format="png", seed=5)


@dataclass
class Engine:
    """One remote engine, as the parametrized failure tests use it."""

    name: str
    setting: str
    run: Callable[[], object]
    adapter: Any


def build(name: str, fake: FakeReplicate | None, clock: FakeClock, **options: Any) -> Engine:
    settings: dict[str, Any] = {
        "api_token": Secret(fake.token if fake else "r8_test_token"),
        "base_url": fake.base_url if fake else None,
        "sleep": clock.sleep,
        "clock": clock,
        "by_version": True,
    }
    settings.update(options)
    if name == "speech":
        transcriber = ReplicateTranscriber(ReplicateModel(model="openai/whisper", task=SPEECH_TASK, **settings))
        return Engine(name, "REPLICATE_SPEECH_MODEL", lambda: transcriber.transcribe(CLIP), transcriber)
    captioner = ReplicateCaptioner(ReplicateModel(model="salesforce/blip", task=CAPTION_TASK, **settings))
    return Engine(name, "REPLICATE_CAPTION_MODEL", lambda: captioner.caption(IMAGE), captioner)


ENGINES = pytest.mark.parametrize("name", ["speech", "caption"])


def failure(engine: Engine, token: str = "r8_test_token") -> str:
    with pytest.raises(RemoteModelError) as caught:
        engine.run()
    assert token not in str(caught.value)
    return str(caught.value)


def test_speech_sends_the_whole_clip_as_a_16khz_mono_wav_upload_and_asks_for_plain_text(fake_replicate, clock):
    fake_replicate.community.whisper.transcript = "Ein kleines Boot  auf dem See."
    fake_replicate.community.whisper.language = "german"

    transcript = build("speech", fake_replicate, clock).adapter.transcribe(CLIP)

    assert transcript.text == "Ein kleines Boot auf dem See."
    assert transcript.language == "de"  # Replicate says "german"; records keep the code
    assert transcript.duration_s == pytest.approx(1.5)
    [upload] = fake_replicate.uploads
    samples, rate = soundfile.read(io.BytesIO(upload.data), dtype="float32")
    assert (rate, samples.ndim, len(samples)) == (16_000, 1, len(CLIP.samples))
    assert upload.content_type == "audio/wav"
    [sent] = fake_replicate.created
    assert sent.path == "/v1/predictions"
    assert sent.body["version"] == fake_replicate.community.versions["openai/whisper"]
    assert sent.body["input"] == {
        "audio": f"{fake_replicate.base_url}/files/{upload.id}",
        "transcription": "plain text",
    }


def test_speech_sends_a_chosen_language_as_the_whisper_code_openai_whisper_accepts(fake_replicate, clock):
    fake_replicate.community.whisper.language = "english"  # what it would have detected; the choice wins

    transcript = build("speech", fake_replicate, clock).adapter.transcribe(CLIP, language="de")

    [sent] = fake_replicate.created
    assert sent.body["input"]["language"] == "de"  # a code, as the published schema lists them; not "german"
    assert transcript.language == "de"


def test_speech_refused_by_whisper_when_given_a_lower_case_language_name(fake_replicate, clock):
    # The published choices are "auto", the codes and the names in title case ("German"): a name as
    # `detected_language` spells it ("german") is refused, which is why the adapter passes codes through.
    with pytest.raises(RemoteModelError, match="language must be one of"):
        build("speech", fake_replicate, clock).adapter.transcribe(CLIP, language="german")


def test_caption_uploads_the_image_asks_for_image_captioning_and_drops_the_caption_label(fake_replicate, clock):
    fake_replicate.community.blip.caption = "Caption:  a red kite over the dunes "

    caption = build("caption", fake_replicate, clock).adapter.caption(IMAGE)

    assert caption == "a red kite over the dunes"
    [upload] = fake_replicate.uploads
    assert (upload.data, upload.content_type) == (IMAGE, "image/png")
    [sent] = fake_replicate.created
    assert sent.body["version"] == fake_replicate.community.versions["salesforce/blip"]
    assert sent.body["input"]["task"] == "image_captioning"


def test_a_batch_of_images_becomes_one_prediction_each_and_captions_in_order(fake_replicate, clock):
    images = [make_image(aspect_ratio="1:1", output_format="png", seed=seed) for seed in (1, 2, 3)]

    captions = build("caption", fake_replicate, clock).adapter.caption_many(images)

    assert len(captions) == 3 and all(captions)
    assert len(fake_replicate.created) == 3
    assert sorted(upload.data for upload in fake_replicate.uploads) == sorted(images)


def test_an_unreadable_image_in_a_batch_is_refused_before_any_prediction_is_paid_for(fake_replicate, clock):
    with pytest.raises(InputError, match="could not be read"):
        build("caption", fake_replicate, clock).adapter.caption_many([IMAGE, b"not an image"])

    assert fake_replicate.created == []


@ENGINES
def test_latest_version_is_looked_up_once_per_process(name, fake_replicate, clock):
    engine = build(name, fake_replicate, clock)

    engine.run()
    engine.run()

    assert len(fake_replicate.requests_to("GET", "/v1/models/")) == 1
    assert len(fake_replicate.created) == 2


@ENGINES
def test_pinned_version_runs_without_looking_up_the_model(name, fake_replicate, clock):
    model = "openai/whisper" if name == "speech" else "salesforce/blip"
    version = fake_replicate.community.versions[model]
    task = SPEECH_TASK if name == "speech" else CAPTION_TASK
    runner = ReplicateModel(
        api_token=Secret(fake_replicate.token), model=f"{model}:{version}", task=task, base_url=fake_replicate.base_url
    )

    if name == "speech":
        ReplicateTranscriber(runner).transcribe(CLIP)
    else:
        ReplicateCaptioner(runner).caption(IMAGE)

    assert fake_replicate.requests_to("GET", "/v1/models/") == []
    assert fake_replicate.created[0].body["version"] == version


@ENGINES
def test_missing_token_fails_before_any_request(name, fake_replicate, clock):
    engine = build(name, fake_replicate, clock, api_token=None)

    assert "set REPLICATE_API_TOKEN" in failure(engine)
    assert fake_replicate.requests == []


@ENGINES
def test_rejected_token_says_to_check_replicate_api_token(name, fake_replicate, clock):
    engine = build(name, fake_replicate, clock, api_token=Secret("r8_wrong_secret"))

    message = failure(engine, "r8_wrong_secret")

    assert "rejected the API token" in message
    assert "REPLICATE_API_TOKEN" in message
    assert fake_replicate.uploads == []  # refused at the first request: nothing uploaded, nothing created


@ENGINES
def test_unknown_model_names_the_setting_to_fix(name, fake_replicate, clock):
    del fake_replicate.community.versions["openai/whisper" if name == "speech" else "salesforce/blip"]
    engine = build(name, fake_replicate, clock)

    message = failure(engine)

    assert "does not know the model" in message
    assert engine.setting in message
    assert fake_replicate.uploads == []


@ENGINES
def test_invalid_input_message_includes_replicates_detail(name, fake_replicate, clock):
    fake_replicate.queue("status_422")

    message = failure(build(name, fake_replicate, clock))

    assert "invalid" in message
    assert "does not match this version's schema" in message
    assert len(fake_replicate.created) == 1


@ENGINES
def test_rate_limit_is_retried_after_the_seconds_replicate_asks_for(name, fake_replicate, clock):
    fake_replicate.queue(Scenario("status_429", retry_after=3), "ok")

    build(name, fake_replicate, clock).run()

    assert clock.sleeps == [3.0]
    assert len(fake_replicate.created) == 2
    assert len(fake_replicate.uploads) == 1  # the file went up once; only the create was repeated


@ENGINES
def test_rate_limit_that_persists_ends_with_a_wait_and_try_again_message(name, fake_replicate, clock):
    fake_replicate.queue(*[Scenario("status_429", retry_after=1)] * 3)

    message = failure(build(name, fake_replicate, clock, max_retries=2))

    assert "limiting how often" in message
    assert "wait" in message and "try again" in message
    assert len(fake_replicate.created) == 3


@ENGINES
def test_server_error_is_retried_with_backoff(name, fake_replicate, clock):
    fake_replicate.queue("status_500", "status_503", "ok")

    build(name, fake_replicate, clock).run()

    assert clock.sleeps == [1.0, 2.0]
    assert len(fake_replicate.created) == 3


@ENGINES
def test_server_error_that_persists_says_replicate_is_unavailable(name, fake_replicate, clock):
    fake_replicate.queue(*["status_502"] * 4)

    assert "Replicate is unavailable" in failure(build(name, fake_replicate, clock))
    assert len(fake_replicate.created) == 4


@ENGINES
def test_failed_upload_is_retried_because_it_runs_no_model(name, fake_replicate, clock):
    fake_replicate.queue_uploads("status_500")

    build(name, fake_replicate, clock).run()

    assert len(fake_replicate.requests_to("POST", "/v1/files")) == 2
    assert len(fake_replicate.created) == 1


@ENGINES
def test_stalled_upload_times_out_is_retried_then_reported(name, fake_replicate, clock):
    fake_replicate.queue_uploads(*[Scenario("slow", polls=3)] * 2)  # each answers after 3 s

    message = failure(build(name, fake_replicate, clock, timeout_s=1, max_retries=1))

    assert "Replicate is unavailable" in message
    assert len(fake_replicate.requests_to("POST", "/v1/files")) == 2
    assert fake_replicate.created == []  # nothing paid for


@ENGINES
def test_unreachable_replicate_is_retried_then_reported(name, clock):
    with socket.socket() as probe:  # a port that was free a moment ago answers nothing
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = build(name, None, clock, base_url=f"http://127.0.0.1:{port}", max_retries=2)

    message = failure(engine)

    assert "Replicate is unavailable" in message
    assert "check the network" in message
    assert clock.sleeps == [1.0, 2.0]


@ENGINES
def test_connection_lost_after_sending_the_create_is_not_retried(name, fake_replicate, clock):
    fake_replicate.queue("drop_connection")

    message = failure(build(name, fake_replicate, clock))

    assert "avoid paying twice" in message
    assert len(fake_replicate.created) == 1


@ENGINES
def test_prediction_that_never_finishes_is_canceled_after_the_timeout(name, fake_replicate, clock):
    fake_replicate.queue("slow")

    message = failure(build(name, fake_replicate, clock, timeout_s=2))

    assert "within 2 seconds" in message
    assert "REPLICATE_TIMEOUT" in message
    assert ("transcript" if name == "speech" else "caption") in message
    [prediction] = fake_replicate.predictions.values()
    assert prediction.canceled


@ENGINES
def test_failed_prediction_reports_the_models_error_once(name, fake_replicate, clock):
    fake_replicate.queue(Scenario("failed", error="CUDA out of memory"))

    message = failure(build(name, fake_replicate, clock))

    assert "CUDA out of memory" in message
    assert len(fake_replicate.created) == 1  # a failed prediction was paid for: never retried silently


@ENGINES
def test_answer_of_the_wrong_shape_names_the_setting_to_fix(name, fake_replicate, clock):
    fake_replicate.queue("not_image")  # a number where a transcription or caption belongs
    engine = build(name, fake_replicate, clock)

    message = failure(engine)

    assert engine.setting in message


@ENGINES
def test_message_echoing_the_token_is_scrubbed(name, fake_replicate, clock):
    fake_replicate.queue(Scenario("failed", error=f"bad header Bearer {fake_replicate.token}"))

    assert "Bearer ********" in failure(build(name, fake_replicate, clock), fake_replicate.token)


@ENGINES
def test_check_names_the_account_and_the_models_latest_version(name, fake_replicate, clock):
    report = build(name, fake_replicate, clock).adapter.check()

    assert "tester" in report
    model = "openai/whisper" if name == "speech" else "salesforce/blip"
    assert fake_replicate.community.versions[model][:12] in report
    assert fake_replicate.created == []  # a check never runs (and pays for) a prediction


@pytest.mark.parametrize("task", [SPEECH_TASK, CAPTION_TASK])
def test_model_that_is_not_owner_slash_name_is_a_configuration_error(task):
    with pytest.raises(ConfigError, match=task.setting):
        ReplicateModel(api_token=Secret("r8_x"), model="whisper", task=task)


def test_image_that_cannot_be_read_is_refused_before_anything_is_uploaded(fake_replicate, clock):
    engine = build("caption", fake_replicate, clock)

    with pytest.raises(InputError, match="could not be read"):
        engine.adapter.caption(b"not an image at all")

    assert fake_replicate.requests == []
