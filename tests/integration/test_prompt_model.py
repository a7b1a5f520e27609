"""The prompt model on Replicate through the real replicate client, over HTTP, against the fake Replicate server."""

from __future__ import annotations

import numpy as np
import pytest

from core.app.services import build_assistant, build_prompt_model, remote_transcriber
from core.config.settings import Secret, load_settings
from core.domain.errors import ConfigError, PromptError
from core.domain.ports import AudioClip
from core.domain.prompt_rewrites import TRANSLATE_INSTRUCTION
from core.replicate.client import ReplicateModel
from core.replicate.prompt_model import PROMPT_TASK, ReplicatePromptModel
from tests.fakes import FakeClock
from tests.fixtures.replicate_prompt import IMPROVED_TAIL
from tests.fixtures.replicate_server import FakeReplicate, Scenario

MODEL = "meta/meta-llama-3-8b-instruct"


def prompt_model(fake: FakeReplicate, clock: FakeClock, token: str | None = None) -> ReplicatePromptModel:
    return ReplicatePromptModel(
        ReplicateModel(
            api_token=Secret(token or fake.token),
            model=MODEL,
            task=PROMPT_TASK,
            base_url=fake.base_url,
            sleep=clock.sleep,
            clock=clock,
        )
    )


def settings_for(fake: FakeReplicate, **extra: str):
    values = {"REPLICATE_API_TOKEN": fake.token, "REPLICATE_BASE_URL": fake.base_url, **extra}
    return load_settings(values, dotenv_path=None)


def test_the_prompt_model_runs_by_name_with_its_four_inputs_and_its_pieces_are_joined(fake_replicate, clock):
    text = prompt_model(fake_replicate, clock).complete(
        prompt="a fox in the snow", system_prompt="Improve it.", max_new_tokens=64, temperature=0.7
    )
    assert text == "a fox in the snow" + IMPROVED_TAIL
    [create] = fake_replicate.created
    assert create.path == f"/v1/models/{MODEL}/predictions"  # an official model: no version lookup
    assert create.body["input"] == {
        "prompt": "a fox in the snow",
        "system_prompt": "Improve it.",
        "max_new_tokens": 64,
        "temperature": 0.7,
    }
    assert fake_replicate.requests_to("GET", "/v1/models/") == []


def test_the_assistant_translates_with_the_translation_instruction_and_improves_with_the_template(fake_replicate):
    assistant = build_assistant(settings_for(fake_replicate, PROMPT_TEMPLATE="Paint it in oils."))
    english = assistant.translate("Ein roter Fuchs schläft im tiefen Schnee.", language="de")
    assert english is not None and english.after == "A red fox sleeps in deep snow."
    improved = assistant.improve(english.after)
    assert improved.after == "A red fox sleeps in deep snow" + IMPROVED_TAIL
    translation, improvement = fake_replicate.prompt_model.calls
    assert translation["system_prompt"] == TRANSLATE_INSTRUCTION
    assert improvement["system_prompt"] == "Paint it in oils."


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        ("failed", "failed while making the prompt"),
        ("status_402", "add credit"),
        ("status_404", "PROMPT_MODEL"),
        ("status_422", "refused the request as invalid"),
        ("not_image", "did not answer with text"),
    ],
)
def test_a_refused_or_failed_prompt_prediction_is_a_prompt_error_saying_what_to_do(
    fake_replicate, clock, scenario, message
):
    fake_replicate.queue(scenario)
    with pytest.raises(PromptError, match=message) as caught:
        prompt_model(fake_replicate, clock).complete(prompt="x", system_prompt="y", max_new_tokens=8, temperature=0.1)
    assert fake_replicate.token not in str(caught.value)


def test_a_throttled_prompt_prediction_is_retried_after_retry_after(fake_replicate, clock):
    fake_replicate.queue(Scenario("status_429", retry_after=2), "ok")
    text = prompt_model(fake_replicate, clock).complete(
        prompt="a cat", system_prompt="Improve.", max_new_tokens=8, temperature=0.1
    )
    assert text.startswith("a cat") and len(fake_replicate.created) == 2 and clock.sleeps == [2.0]


def test_a_refused_token_is_never_echoed(fake_replicate, clock):
    with pytest.raises(PromptError, match="REPLICATE_API_TOKEN") as caught:
        prompt_model(fake_replicate, clock, token="r8_wrong_secret").complete(
            prompt="x", system_prompt="y", max_new_tokens=8, temperature=0.1
        )
    assert "r8_wrong_secret" not in str(caught.value)


def test_no_token_is_a_prompt_error_before_any_request(fake_replicate):
    model = build_prompt_model(load_settings({"REPLICATE_BASE_URL": fake_replicate.base_url}, dotenv_path=None))
    with pytest.raises(PromptError, match="REPLICATE_API_TOKEN"):
        model.complete(prompt="x", system_prompt="y", max_new_tokens=8, temperature=0.1)
    assert fake_replicate.requests == []


def test_a_prompt_model_setting_that_is_not_owner_name_is_refused():
    with pytest.raises(ConfigError, match="PROMPT_MODEL"):
        build_prompt_model(load_settings({"PROMPT_MODEL": "llama3"}, dotenv_path=None))


def test_the_fake_whisper_translates_only_when_asked_and_the_app_never_asks(fake_replicate):
    """Translation goes through the prompt model (docs/configuration.md says why), not Whisper's `translate`."""
    fake_replicate.community.whisper.transcript = "Ein roter Fuchs."
    fake_replicate.community.whisper.language = "german"
    fake_replicate.community.whisper.translation = "A red fox."
    transcriber = remote_transcriber(settings_for(fake_replicate, SPEECH_ENGINE="replicate"))
    transcript = transcriber.transcribe(AudioClip(samples=np.zeros(16_000, dtype=np.float32)))
    assert (transcript.text, transcript.language) == ("Ein roter Fuchs.", "de")
    [create] = fake_replicate.created
    assert "translate" not in create.body["input"]
    assert fake_replicate.predictions["fake000001"].output["translation"] is None

    asked = fake_replicate.schema_of("openai/whisper")
    assert asked is not None and asked.output({"translate": True})["translation"] == "A red fox."
