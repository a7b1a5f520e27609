"""Text people match by eye (tags, names): only what can be seen, so two values that look the same are one.

Control characters (Unicode category Cc: ESC, BEL, NUL, ...) and format characters (Cf: zero-width spaces and
joiners, the byte-order mark, right-to-left overrides and isolates) are invisible or rearrange what is shown,
so "poster" and "poster" + U+200B would be two tags that look identical, and a name holding U+202E reads
backwards. They are removed before NFC and case folding; white space (tabs and newlines too) becomes one space.
"""

from __future__ import annotations

import unicodedata
from typing import Final

_INVISIBLE: Final = frozenset(("Cc", "Cf"))


def visible(text: str) -> str:
    """The text without control and format characters, NFC-normalised, with runs of white space made one space."""
    spaced = " ".join(str(text).split())  # before removal, so a tab between two words stays a space
    kept = "".join(char for char in spaced if unicodedata.category(char) not in _INVISIBLE)
    return unicodedata.normalize("NFC", " ".join(kept.split()))  # removal may have left two spaces side by side
