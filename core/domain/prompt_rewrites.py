"""What the prompt model is asked to do (translate to English, improve a prompt) and how its answers are read.

The improvement instruction is PROMPT_TEMPLATE (text, or a file); its default is prompt_template.txt beside
this module. Instructions go as the model's system prompt and the person's words as its prompt, so a
sentence in the words cannot rewrite the instruction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.domain.errors import PromptError

TRANSLATE = "translate"
IMPROVE = "improve_prompt"
TEMPLATE_FILE = Path(__file__).with_name("prompt_template.txt")

TRANSLATE_INSTRUCTION = (
    "You translate descriptions of pictures into English. Translate the user's text into natural English, "
    "keeping its meaning, every detail and its length; do not add or explain anything. Answer with the English "
    "translation only: no quotes, no notes."
)
TRANSLATE_TEMPERATURE = 0.1  # a translation has one right answer; little randomness
IMPROVE_TEMPERATURE = 0.7  # some invention is the point of an improved prompt
CHARS_PER_TOKEN = 4  # roughly, for English: how token budgets follow the prompt limit

# Chat models like to introduce their answer ("Here is the translation:"); such a first line is dropped.
_PREAMBLE = re.compile(r"^(sure|here|okay|ok|certainly)\b[^\n]*:\s*\n+", re.IGNORECASE)
_QUOTES = "\"'“”‘’«»"


def default_template() -> str:
    """The repository's improvement instruction (core/domain/prompt_template.txt)."""
    return TEMPLATE_FILE.read_text(encoding="utf-8").strip()


def translate_budget(text: str) -> int:
    """max_new_tokens for translating `text`: room for a longer English wording, never a novel."""
    return max(32, min(1024, len(text) // 2 + 32))


def improve_budget(max_prompt_chars: int) -> int:
    """max_new_tokens for an improved prompt: short enough that it fits the prompt limit."""
    return max(32, min(300, max_prompt_chars // (CHARS_PER_TOKEN + 1)))


def clean_reply(reply: str, *, model_id: str) -> str:
    """The model's text without a chatty first line or wrapping quotes; an empty answer is a PromptError."""
    text = _PREAMBLE.sub("", reply.strip()).strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    if not text:
        raise PromptError(f"The prompt model {model_id} answered with nothing. Try again, or set PROMPT_MODEL.")
    return text


@dataclass(frozen=True)
class Rewrite:
    """One answer of the prompt model: what it was given, what it gave back, and how long it took."""

    kind: str  # TRANSLATE or IMPROVE
    before: str
    after: str
    model_id: str
    ms: float
