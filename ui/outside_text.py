"""The one way to show text the app did not write: prompts, captions, tags, file names, names, the prompt model's
answers and other services' error texts (Replicate's, a storage's) inside our messages.

Streamlit renders st.error, st.info, st.caption, labels and st.markdown as markdown, so such text could draw a
link ("[Verify your account](http://tracker/phish)"), load a remote image ("![](http://tracker/b.gif)", fetched
by every viewer's browser), colour or emoji. Every ASCII punctuation mark is escaped, and Streamlit's markdown
(GFM) also turns bare URLs, "www." names and e-mail addresses into links even when escaped, so an invisible word
joiner (U+2060) breaks each of those. The result reads the same and can produce no link, image or markup.
Messages mixing the app's words and outside text are made inert whole: the app's own words lose nothing.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Final

_MARKDOWN_PUNCTUATION: Final = re.compile(r"([!-/:-@\[-`{-~])")
_AUTOLINK_STARTS: Final = re.compile(r"(://|(?<![^\W_])www(?=\.)|@)", re.IGNORECASE)
_WORD_JOINER: Final = "\u2060"


def escape_markdown(text: str) -> str:
    """Outside text made inert for any markdown Streamlit renders: every ASCII punctuation mark escaped, no bare
    link left."""
    unlinked = _AUTOLINK_STARTS.sub(lambda match: match.group(0)[:1] + _WORD_JOINER + match.group(0)[1:], str(text))
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", unlinked)


def _streamlit() -> ModuleType:
    # Imported when something is drawn: escape_markdown serves code that must not load Streamlit (the CSV export
    # and record shaping through ui.record_display).
    import streamlit

    return streamlit


def error(message: str, *, icon: str | None = "⚠️") -> None:
    _streamlit().error(escape_markdown(message), icon=icon)


def warning(message: str, *, icon: str | None = None) -> None:
    _streamlit().warning(escape_markdown(message), icon=icon)


def info(message: str, *, icon: str | None = None) -> None:
    _streamlit().info(escape_markdown(message), icon=icon)


def caption(message: str) -> None:
    _streamlit().caption(escape_markdown(message))
