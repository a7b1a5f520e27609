"""What a person reads of markdown the app escaped: no backslashes, no invisible word joiners."""

from __future__ import annotations


def as_read(markdown: str) -> str:
    """`ui.outside_text.escape_markdown`'s output as it reads on screen."""
    return markdown.replace("\\", "").replace("\u2060", "")
