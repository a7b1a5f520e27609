"""Saying which language was spoken: Whisper's codes on the command line, passed on to the transcriber."""

from __future__ import annotations

import pytest

from core.cli.main import build_parser
from core.domain.languages import spoken_language
from tests.fakes import FakeTranscriber, tone
from tests.unit.test_runs import pipeline_with


def test_a_whisper_code_or_name_is_taken_as_its_code():
    assert spoken_language("de") == "de"
    assert spoken_language(" German ") == "de"
    assert spoken_language("YUE") == "yue"


@pytest.mark.parametrize(
    "command", [["transcribe", "a.wav"], ["create", "--audio", "a.wav"], ["edit", "7", "--audio", "a.wav"]]
)
def test_language_option_parses_on_each_command_that_hears_speech(command):
    assert build_parser().parse_args([*command, "--language", "fr"]).language == "fr"
    assert build_parser().parse_args(command).language is None  # detect it


def test_an_unknown_language_code_exits_2_naming_it(capsys):
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["transcribe", "a.wav", "--language", "klingon"])
    assert exited.value.code == 2
    assert "unknown language 'klingon'" in capsys.readouterr().err


def test_the_chosen_language_reaches_the_transcriber_and_is_kept_with_the_transcript():
    transcriber = FakeTranscriber(language="ar")  # what detection would have (wrongly) heard
    pipeline = pipeline_with(transcriber=lambda: transcriber)

    detected = pipeline.transcribe(tone(1.0))
    chosen = pipeline.transcribe(tone(1.0), language="de")

    assert transcriber.languages_given == [None, "de"]
    assert (detected.transcript.language, chosen.transcript.language) == ("ar", "de")
