"""Tags: how one is normalised, how many a record carries, and how typed or linked tag lists are read.

A tag is a label people match by eye, so two that look the same must be one: text is NFC-normalised
(a composed "é" and "e" + U+0301 become one character) and case-folded (as Unicode's caseless matching
says: "Poster" and "POSTER" are "poster", "Straße" is "strasse"), with runs of white space made one space,
after invisible characters (control and format ones, such as U+200B or a right-to-left override) are removed
(core.domain.visible_text).
"""

from __future__ import annotations

import unicodedata

from core.domain.errors import InputError
from core.domain.visible_text import visible

MAX_TAG_CHARS = 40
MAX_TAGS_PER_ACTION = 20
# The same as one action may add: enough labels for any picture, few enough to show on its card.
MAX_TAGS_PER_RECORD = 20
# Room for MAX_TAGS_PER_ACTION tags of MAX_TAG_CHARS with separators; longer input is refused unread,
# so a pasted 60,000-tag list costs nothing.
MAX_TAG_INPUT_CHARS = MAX_TAGS_PER_ACTION * (MAX_TAG_CHARS + 2)


def normalize_tag(text: str) -> str:
    """A tag as stored: NFC, case-folded, words separated by one space; an empty or long tag is an InputError."""
    # NFC again after folding: casefold() can leave a decomposed sequence behind.
    tag = unicodedata.normalize("NFC", visible(text).casefold())
    if not tag:
        if str(text).strip():  # only invisible characters: say which, escaped, since they cannot be seen
            raise InputError(
                f"The tag {str(text)[:MAX_TAG_CHARS]!a} holds only invisible characters: type a word such as 'poster'."
            )
        raise InputError("A tag cannot be empty: type a word such as 'poster'.")
    if "," in tag:
        raise InputError(f"The tag '{tag}' holds a comma: commas separate tags, so give them one by one.")
    if len(tag) > MAX_TAG_CHARS:
        raise InputError(
            f"The tag '{tag[:MAX_TAG_CHARS]}…' is {len(tag)} characters long: use at most {MAX_TAG_CHARS}."
        )
    return tag


def normalize_tags(texts: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Distinct normalized tags, sorted; more than MAX_TAGS_PER_ACTION at once is an InputError."""
    tags = tuple(sorted({normalize_tag(text) for text in texts}))
    if len(tags) > MAX_TAGS_PER_ACTION:
        raise InputError(f"Give at most {MAX_TAGS_PER_ACTION} tags at a time.")
    return tags


def parse_tag_input(text: str) -> tuple[str, ...]:
    """Comma-separated tags as a person typed them, in order, once each; any unusable one refuses them all.

    Refusing (rather than dropping) says which tag was wrong, so "Tagged 1 image with poster" never hides
    that a second tag was left out.
    """
    if len(text) > MAX_TAG_INPUT_CHARS:
        raise InputError(
            f"That is {len(text):,} characters of tags: give at most {MAX_TAGS_PER_ACTION} tags "
            f"({MAX_TAG_INPUT_CHARS} characters) at a time."
        )
    parts = [part for part in text.split(",") if part.strip()]
    tags = tuple(dict.fromkeys(normalize_tag(part) for part in parts))  # dict: linear and ordered
    if len(tags) > MAX_TAGS_PER_ACTION:
        raise InputError(f"That is {len(tags)} tags: give at most {MAX_TAGS_PER_ACTION} at a time.")
    return tags


def parse_linked_tags(texts: list[str], *, limit: int) -> tuple[str, ...]:
    """Tags from link parameters (each may hold several, comma-separated): usable ones, in order, once each.

    A hand-edited link should still open, so unusable tags are dropped here rather than refused.
    """
    tags: dict[str, None] = {}
    for text in texts:
        for part in text[:MAX_TAG_INPUT_CHARS].split(","):
            try:
                tags[normalize_tag(part)] = None
            except InputError:
                continue
            if len(tags) >= limit:
                return tuple(tags)
    return tuple(tags)
