"""Image numbers as people type them and links carry them: the one parser, for the command line and every page.

An image number is ASCII digits only ('²'.isdigit() and '٣'.isdigit() are True, but int() refuses the first and
a person never means the second) within the database's integer column, 1..2147483647: a larger number can name
no image, so it is refused here instead of reaching the database and coming back as "the database failed".
Reading is linear and stops early: a list that may hold at most N ids is read up to its (N+1)th, however long.
"""

from __future__ import annotations

from typing import Final

from core.domain.errors import InputError

MAX_IMAGE_ID: Final = 2_147_483_647  # PostgreSQL's INTEGER (and the id column on SQLite)
_MAX_ID_DIGITS: Final = len(str(MAX_IMAGE_ID))
_ASCII_DIGITS: Final = frozenset("0123456789")
_SHOWN_CHARS: Final = 20  # of a refused value, in a message: a 5,000-digit "id" is not echoed whole


def parse_image_id(text: str) -> int:
    """One image number, surrounding white space allowed; anything else is an InputError that says why."""
    value = str(text).strip()
    if not value or not _ASCII_DIGITS.issuperset(value):
        raise InputError(f"{_quoted(value)} is not an image number: image numbers are whole numbers such as 7.")
    significant = value.lstrip("0")
    # Past ten significant digits it is out of range whatever they are; int() is never asked to read more.
    if len(significant) > _MAX_ID_DIGITS or (number := int(significant or "0")) > MAX_IMAGE_ID:
        raise InputError(f"There is no image #{_digits(value)}: image numbers go up to {MAX_IMAGE_ID}.")
    if number < 1:
        raise InputError(f"There is no image #{value}: image numbers start at 1.")
    return number


def parse_image_ids(text: str, *, most: int, separator: str = ",") -> list[int]:
    """Distinct image numbers from a list like `3,7`, in order; empty items are skipped.

    Reads until it has `most` + 1 distinct numbers, then refuses: the rest of the text is never looked at.
    """
    ids: dict[int, None] = {}  # ordered and linear, unlike `in` on a list
    start = 0
    while start <= len(text):
        end = text.find(separator, start)
        end = len(text) if end < 0 else end
        item = text[start:end]
        start = end + len(separator)
        if not item.strip():
            continue
        ids[parse_image_id(item)] = None
        if len(ids) > most:
            raise InputError(f"That lists more than {most} different images: give at most {most}.")
    return list(ids)


def _quoted(value: str) -> str:
    if len(value) <= _SHOWN_CHARS:
        return repr(value)
    return f"{value[:_SHOWN_CHARS]!r}… ({len(value):,} characters)"


def _digits(value: str) -> str:
    if len(value) <= _SHOWN_CHARS:
        return value
    return f"{value[:_SHOWN_CHARS]}… ({len(value):,} digits)"
