"""The composition root wires each part once, and the health report is a typed value."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

from core.app.health import PARTS, HealthReport, PartReport, check_all
from core.app.services import Services, build_services
from core.config.settings import load_settings
from tests.fakes import FakeGenerator


def test_services_build_their_pipeline_once_from_their_own_parts(tmp_path: Path) -> None:
    services = build_services(load_settings({"DATA_DIR": str(tmp_path)}, dotenv_path=None), run_migrations=False)

    assert services.pipeline is services.pipeline, "every access returns the same Pipeline"
    assert services.pipeline.store is services.store and services.pipeline.records is services.records

    swapped = replace(services, generator=FakeGenerator())
    assert swapped.pipeline is not services.pipeline and swapped.pipeline.generator is swapped.generator
    services.database.dispose()


def test_services_hand_out_ports_never_the_engine_or_the_concrete_repository(tmp_path: Path) -> None:
    from sqlalchemy import Engine

    from core.db.repository import RecordRepository

    services = build_services(load_settings({"DATA_DIR": str(tmp_path)}, dotenv_path=None), run_migrations=False)

    declared = {part.name: part.type for part in fields(Services)}
    ports = (declared["records"], declared["database"], declared["access"])
    assert ports == ("ImageRecords", "Database", "AccessLedger")
    assert not any("Engine" in str(kind) or "RecordRepository" in str(kind) for kind in declared.values())
    assert not any(isinstance(getattr(services, part.name), Engine) for part in fields(Services))
    assert isinstance(services.records, RecordRepository)  # the adapter is there, behind its port
    services.database.dispose()


def test_health_check_returns_typed_parts_and_an_unset_token_does_not_fail_it(tmp_path: Path) -> None:
    missing = {
        "WHISPER_MODEL": str(tmp_path / "no-whisper"),
        "CAPTION_MODEL": str(tmp_path / "no-blip"),
        "EMBEDDING_MODEL": str(tmp_path / "no-minilm"),
    }
    settings = load_settings({"DATA_DIR": str(tmp_path), **missing}, dotenv_path=None)

    report = check_all(settings)

    assert set(report.parts) == set(PARTS)
    assert all(isinstance(part, PartReport) for part in report.parts.values())
    assert report.parts["storage"].ok and report.parts["database"].ok
    assert report.parts["replicate"] == PartReport(ok=False, detail="REPLICATE_API_TOKEN is not set", configured=False)
    assert "replicate" not in report.failing
    # Model folders that do not exist: the report says so instead of raising.
    assert report.failing == ["speech_model", "caption_model", "embedding_model"] and not report.ok
    # The embedding model's facts: which model, that it did not load, and what waits for it (unknown: this
    # database has no schema yet, and `check` never migrates).
    facts = report.to_json()["embedding_model"]
    assert (facts["model"], facts["loaded"], facts["waiting_for_reindex"]) == (str(tmp_path / "no-minilm"), False, None)


def test_health_report_prints_as_the_json_the_command_line_always_printed() -> None:
    report = HealthReport(
        database_url="sqlite:///data/app.db",
        storage_location="local folder data/images",
        speech_engine="transformers",
        caption_engine="replicate",
        parts={
            "database": PartReport(ok=True, detail="SQLite 3", ms=1.5),
            "replicate": PartReport(ok=False, detail="REPLICATE_API_TOKEN is not set", configured=False),
            "storage": PartReport(ok=False, detail="The bucket is missing.", ms=3.0),
        },
    )

    assert report.to_json() == {
        "ok": False,
        "failing": ["storage"],
        "database_url": "sqlite:///data/app.db",
        "storage_location": "local folder data/images",
        "speech_engine": "transformers",
        "caption_engine": "replicate",
        "database": {"ok": True, "detail": "SQLite 3", "ms": 1.5},
        "replicate": {"ok": False, "detail": "REPLICATE_API_TOKEN is not set", "configured": False},
        "storage": {"ok": False, "detail": "The bucket is missing.", "ms": 3.0},
    }


def test_check_and_home_say_faster_whisper_is_the_default_and_how_to_switch(tmp_path: Path) -> None:
    from core.app.health import speech_engine_words
    from ui.overview import speech_description

    default = load_settings({"DATA_DIR": str(tmp_path)}, dotenv_path=None)
    chosen = load_settings({"DATA_DIR": str(tmp_path), "SPEECH_ENGINE": "transformers"}, dotenv_path=None)

    assert "faster-whisper engine (the default; SPEECH_ENGINE=transformers" in speech_engine_words(default)
    assert "the default is faster-whisper" in speech_engine_words(chosen)
    assert speech_description(default).startswith("base on the faster-whisper engine (the default")
    assert speech_description(chosen).startswith("openai/whisper-base on the transformers engine")
