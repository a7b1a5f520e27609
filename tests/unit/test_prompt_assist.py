"""The prompt assistant in core: languages, what is sent to the prompt model, how answers are read, the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app.prompt_assistant import PromptAssistant, PromptSteps
from core.config.settings import load_settings
from core.domain.errors import InputError, InvalidSetting, PromptError
from core.domain.languages import is_english, language_code, language_name
from core.domain.progress import StageLog
from core.domain.prompt_rewrites import (
    IMPROVE,
    TRANSLATE,
    TRANSLATE_INSTRUCTION,
    clean_reply,
    default_template,
    improve_budget,
)
from tests.fakes import FakePromptModel


def assistant(model: FakePromptModel, **options: object) -> PromptAssistant:
    return PromptAssistant(model=model, template="Describe it as a painter would.", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reported", "code"),
    [("de", "de"), ("german", "de"), ("German", "de"), ("haitian creole", "ht"), ("  es ", "es"), ("", None),
     (None, None), ("klingon", "klingon"), ("x" * 40, None), ("en-US; DROP", None)],
)  # fmt: skip
def test_language_code_accepts_whisper_codes_and_replicate_names_and_refuses_junk(reported, code) -> None:
    assert language_code(reported) == code


def test_language_name_reads_for_people() -> None:
    assert (language_name("de"), language_name("xx"), language_name(None)) == ("German", "Xx", "an unknown language")
    assert is_english("en") and not is_english("de") and not is_english(None)


def test_english_speech_is_never_sent_for_translation() -> None:
    model = FakePromptModel()
    assert assistant(model).translate("A fox in the snow.", language="en") is None
    assert model.calls == []


def test_translation_sends_the_words_as_prompt_and_the_instruction_as_system_prompt() -> None:
    model = FakePromptModel(reply="A red fox sleeps in deep snow.")
    log = StageLog()
    rewrite = assistant(model).translate("Ein roter Fuchs schläft im tiefen Schnee.", language="de", progress=log)
    assert rewrite is not None
    assert (rewrite.kind, rewrite.before, rewrite.after) == (
        TRANSLATE,
        "Ein roter Fuchs schläft im tiefen Schnee.",
        "A red fox sleeps in deep snow.",
    )
    [call] = model.calls
    assert call["prompt"] == "Ein roter Fuchs schläft im tiefen Schnee."
    assert call["system_prompt"] == TRANSLATE_INSTRUCTION
    assert [stage.name for stage in log.stages] == [TRANSLATE] and rewrite.ms >= 0


def test_a_typed_text_of_unknown_language_is_translated_when_asked() -> None:
    model = FakePromptModel(reply="a fox")
    rewrite = assistant(model).translate("un renard", language=None)
    assert rewrite is not None and rewrite.after == "a fox" and len(model.calls) == 1


def test_improving_follows_the_template_and_stays_within_the_prompt_limit() -> None:
    model = FakePromptModel(reply="A fox in deep snow at dawn, soft light, wide shot.")
    rewrite = assistant(model, max_prompt_chars=1000).improve("a fox in the snow")
    assert rewrite.kind == IMPROVE and rewrite.after.startswith("A fox in deep snow")
    [call] = model.calls
    assert call["system_prompt"] == "Describe it as a painter would."
    assert call["max_new_tokens"] == improve_budget(1000) and improve_budget(1000) * 5 <= 1000


def test_an_empty_prompt_is_refused_before_the_model_is_asked() -> None:
    model = FakePromptModel()
    with pytest.raises(InputError):
        assistant(model).improve("   ")
    assert model.calls == []


@pytest.mark.parametrize(
    ("reply", "text"),
    [
        ("Here is the translation:\n\nA fox in the snow.", "A fox in the snow."),
        ('"A fox in the snow."', "A fox in the snow."),
        ("Sure! Here is a detailed prompt:\nA fox, golden light", "A fox, golden light"),
        ("A fox: in the snow", "A fox: in the snow"),
    ],
)
def test_chatty_preambles_and_wrapping_quotes_are_dropped(reply: str, text: str) -> None:
    assert clean_reply(reply, model_id="m") == text


def test_an_empty_answer_is_a_prompt_error_naming_the_setting() -> None:
    with pytest.raises(PromptError, match="PROMPT_MODEL"):
        assistant(FakePromptModel(reply="  \n")).improve("a fox")


def test_steps_translate_then_improve_and_keep_both_times() -> None:
    model = FakePromptModel()  # upper-cases: translate then improve both visible
    timings: dict[str, float] = {}
    steps = PromptSteps(assistant(model), translate=True, improve=True)
    prompt = steps.apply("ein fuchs", language="de", timings=timings, progress=StageLog())
    assert prompt == "EIN FUCHS"
    assert [c["system_prompt"] for c in model.calls] == [TRANSLATE_INSTRUCTION, "Describe it as a painter would."]
    assert set(timings) == {TRANSLATE, IMPROVE}


def test_steps_skip_translation_of_english_but_still_improve() -> None:
    model = FakePromptModel()
    timings: dict[str, float] = {}
    PromptSteps(assistant(model), translate=True, improve=True).apply(
        "a fox", language="en", timings=timings, progress=StageLog()
    )
    assert len(model.calls) == 1 and set(timings) == {IMPROVE}


def test_prompt_settings_have_defaults_from_the_repository() -> None:
    settings = load_settings({}, dotenv_path=None)
    assert (settings.prompt_model, settings.translate_prompts, settings.prompt_template) == (
        "meta/meta-llama-3-8b-instruct",
        "auto",
        None,
    )
    assert "image prompt" in default_template()


def test_prompt_template_is_text_or_a_file(tmp_path: Path) -> None:
    assert load_settings({"PROMPT_TEMPLATE": "Make it gothic."}, dotenv_path=None).prompt_template == "Make it gothic."
    template = tmp_path / "template.txt"
    template.write_text("  Make it a watercolour.\n", encoding="utf-8")
    assert load_settings({"PROMPT_TEMPLATE": str(template)}, dotenv_path=None).prompt_template == (
        "Make it a watercolour."
    )


@pytest.mark.parametrize("value", ["/nowhere/template.txt", "./missing.md"])
def test_a_prompt_template_file_that_cannot_be_read_stops_the_start(value: str) -> None:
    with pytest.raises(InvalidSetting, match="PROMPT_TEMPLATE"):
        load_settings({"PROMPT_TEMPLATE": value}, dotenv_path=None)


def test_translate_prompts_is_auto_or_off() -> None:
    assert load_settings({"TRANSLATE_PROMPTS": "OFF"}, dotenv_path=None).translate_prompts == "off"
    with pytest.raises(InvalidSetting, match="TRANSLATE_PROMPTS"):
        load_settings({"TRANSLATE_PROMPTS": "always"}, dotenv_path=None)
