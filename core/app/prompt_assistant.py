"""The prompt assistant: translate a transcript to English and improve a prompt, through the prompt model.

English speech is never sent for translation. Every answer is a `Rewrite` that keeps the text it replaced,
so a page can undo it and a record keeps the transcript as spoken beside the prompt sent to the image model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core.domain.languages import is_english
from core.domain.ports import PromptModel
from core.domain.progress import Progress, StageLog, timed_stage
from core.domain.prompt_rewrites import (
    IMPROVE,
    IMPROVE_TEMPERATURE,
    TRANSLATE,
    TRANSLATE_INSTRUCTION,
    TRANSLATE_TEMPERATURE,
    Rewrite,
    clean_reply,
    improve_budget,
    translate_budget,
)
from core.domain.prompts import validate_prompt


class PromptAssistant:
    """Runs the two prompt steps against a PromptModel, each timed as a stage of its own."""

    def __init__(
        self,
        *,
        model: PromptModel,
        template: str,
        max_prompt_chars: int = 1000,
        auto_translate: bool = True,
    ) -> None:
        self.model = model
        self.template = template
        self.max_prompt_chars = max_prompt_chars
        self.auto_translate = auto_translate

    @staticmethod
    def needs_translation(language: str | None) -> bool:
        """Whether speech in `language` is worth translating: a known language other than English."""
        return language is not None and not is_english(language)

    def translate(self, text: str, *, language: str | None, progress: Progress | None = None) -> Rewrite | None:
        """The text in English; None for English, which is never sent (a typed text, language None, is sent)."""
        if is_english(language):
            return None
        source = validate_prompt(text, max_chars=self.max_prompt_chars)
        return self._run(TRANSLATE, source, TRANSLATE_INSTRUCTION, translate_budget(source), TRANSLATE_TEMPERATURE,
                         progress)  # fmt: skip

    def improve(self, text: str, *, progress: Progress | None = None) -> Rewrite:
        """The prompt rewritten into a detailed image prompt, following the template."""
        source = validate_prompt(text, max_chars=self.max_prompt_chars)
        return self._run(IMPROVE, source, self.template, improve_budget(self.max_prompt_chars), IMPROVE_TEMPERATURE,
                         progress)  # fmt: skip

    def _run(
        self, kind: str, text: str, instruction: str, budget: int, temperature: float, progress: Progress | None
    ) -> Rewrite:
        timings: dict[str, float] = {}
        with timed_stage(timings, kind, progress or StageLog()):
            reply = self.model.complete(
                prompt=text, system_prompt=instruction, max_new_tokens=budget, temperature=temperature
            )
            after = clean_reply(reply, model_id=self.model.model_id)
        return Rewrite(kind=kind, before=text, after=after, model_id=self.model.model_id, ms=timings[kind])


@dataclass(frozen=True)
class PromptSteps:
    """The prompt steps a create asks for (`--translate`, `--improve-prompt`), applied between transcript and image."""

    assistant: PromptAssistant
    translate: bool = False
    improve: bool = False

    def apply(self, prompt: str, *, language: str | None, timings: dict[str, float], progress: Progress) -> str:
        """The prompt after the steps asked for; their times go into `timings`. Raises before any image is paid for."""
        steps: list[Callable[[str], Rewrite | None]] = []
        if self.translate:
            steps.append(lambda text: self.assistant.translate(text, language=language, progress=progress))
        if self.improve:
            steps.append(lambda text: self.assistant.improve(text, progress=progress))
        for step in steps:
            rewrite = step(prompt)
            if rewrite is not None:
                timings[rewrite.kind] = rewrite.ms
                prompt = rewrite.after
        return prompt
