"""Whether a prompt still comes from a recording, so a record carries a transcript only when it is the prompt's source.

A person may record, then keep, edit, translate or improve the words, or replace them with something typed.
Only in the first cases is the recording the prompt's source: a typed "a lighthouse in a storm" saved with
an earlier "a red fox" transcript would make History's search for "fox" find lighthouses.

The rule: at least half of the prompt's content words (case-folded, small function words left out) occur
in the transcript or in a text derived from it (its translation, the improved prompt). Editing a word or
two keeps the source; typing a new idea drops it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SHARE_FROM_RECORDING = 0.5
# Words that carry no idea of their own: a typed prompt sharing only these with a transcript is still typed.
_FUNCTION_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "with",
        "by",
        "from",
        "into",
        "onto",
        "over",
        "under",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "very",
        "some",
        "any",
    }
)
_WORD = re.compile(r"\w+")


def content_words(text: str) -> list[str]:
    """The words of a text that carry its idea, case-folded, in order (function words and digits left out)."""
    words = (word.casefold() for word in _WORD.findall(text))
    return [word for word in words if word not in _FUNCTION_WORDS and not word.isdigit()]


def comes_from_recording(prompt: str, sources: Iterable[str]) -> bool:
    """True if at least half of the prompt's content words occur in the transcript or a text derived from it.

    `sources` are the transcript, then its translations or improved prompts. A prompt with no content words
    (empty, or only "a the") says nothing of where it came from, so it keeps no transcript."""
    known = {word for source in sources for word in content_words(source)}
    words = content_words(prompt)
    if not words:
        return False
    shared = sum(1 for word in words if word in known)
    return shared / len(words) >= SHARE_FROM_RECORDING
