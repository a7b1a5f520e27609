"""Translate and improve in a create, on SQLite and PostgreSQL: what is drawn, what is kept, what is never paid for."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from core.app.export import history_csv
from core.app.prompt_assistant import PromptSteps
from core.app.services import Services, build_services
from core.config.settings import load_settings
from core.domain.drafts import SavedImage
from core.domain.errors import PromptError
from core.domain.ports import GenerationRequest
from core.domain.records import HistoryQuery
from tests.fakes import FakeCaptioner, FakeTranscriber, tone
from tests.fixtures.replicate_prompt import IMPROVED_TAIL
from tests.fixtures.replicate_server import FakeReplicate

GERMAN = "Ein roter Fuchs schläft im tiefen Schnee."


def services_for(database_url: str, fake: FakeReplicate, tmp_path: Path, transcriber: FakeTranscriber) -> Services:
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "DATA_DIR": str(tmp_path / "data"),
            "REPLICATE_API_TOKEN": fake.token,
            "REPLICATE_BASE_URL": fake.base_url,
        },
        dotenv_path=None,
    )
    return build_services(settings, transcriber=lambda: transcriber, captioner=FakeCaptioner)


def image_predictions(fake: FakeReplicate) -> list[object]:
    return [r for r in fake.created if "flux-schnell" in r.path]


def test_spoken_german_is_drawn_from_its_english_and_kept_as_spoken_with_its_language(
    database_url, fake_replicate, tmp_path
):
    services = services_for(database_url, fake_replicate, tmp_path, FakeTranscriber(text=GERMAN, language="de"))
    steps = PromptSteps(services.assistant, translate=True, improve=True)
    [saved] = services.pipeline.create(GenerationRequest(prompt=""), audio=tone(1.0), steps=steps)

    assert isinstance(saved, SavedImage)
    record = saved.record
    assert (record.transcript, record.language) == (GERMAN, "de")
    assert record.prompt == "A red fox sleeps in deep snow" + IMPROVED_TAIL  # as sent to FLUX
    [flux] = image_predictions(fake_replicate)
    assert flux.body["input"]["prompt"] == record.prompt  # type: ignore[attr-defined]
    assert {"transcribe", "translate", "improve_prompt", "generate"} <= set(record.timings_ms)

    [found] = services.records.search(query=HistoryQuery(search="Fuchs")).records
    assert found.to_json()["language"] == "de"
    [row] = csv.DictReader(io.StringIO(history_csv(repository=services.records, query=HistoryQuery())))
    assert (row["language"], row["transcript"]) == ("de", GERMAN)
    services.database.dispose()


def test_english_speech_is_drawn_as_spoken_and_never_sent_for_translation(database_url, fake_replicate, tmp_path):
    services = services_for(database_url, fake_replicate, tmp_path, FakeTranscriber(text="A fox.", language="en"))
    steps = PromptSteps(services.assistant, translate=True)
    [saved] = services.pipeline.create(GenerationRequest(prompt=""), audio=tone(1.0), steps=steps)
    assert isinstance(saved, SavedImage)
    assert (saved.record.prompt, saved.record.language) == ("A fox.", "en")
    assert fake_replicate.prompt_model.calls == []
    services.database.dispose()


def test_typed_prompts_carry_no_language(database_url, fake_replicate, tmp_path):
    services = services_for(database_url, fake_replicate, tmp_path, FakeTranscriber())
    [saved] = services.pipeline.create(GenerationRequest(prompt="a typed fox"))
    assert isinstance(saved, SavedImage) and saved.record.language is None
    services.database.dispose()


@pytest.mark.parametrize("scenario", ["failed", "status_402"])
def test_a_failed_prompt_step_pays_for_no_image_and_saves_nothing(database_url, fake_replicate, tmp_path, scenario):
    services = services_for(database_url, fake_replicate, tmp_path, FakeTranscriber(text=GERMAN, language="de"))
    fake_replicate.queue(scenario)
    steps = PromptSteps(services.assistant, translate=True)
    with pytest.raises(PromptError):
        services.pipeline.create(GenerationRequest(prompt=""), audio=tone(1.0), steps=steps)
    assert image_predictions(fake_replicate) == []
    assert services.records.search(query=HistoryQuery()).total == 0
    services.database.dispose()
