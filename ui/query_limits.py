"""Links whose query Streamlit throws away whole: app.py's gate marks them, and History says so.

Streamlit ignores the entire query string of a page when it has more than 1,000 parameters (or more
than 512 Ki characters), silently: History would then show every record as if the link asked for
nothing. app.py's gate redirects such a page request to the same path with only `too_many_params=1`,
and the page warns instead of pretending.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

# Streamlit's own limits (streamlit/runtime/state/query_params.py), counted the way it counts them.
MAX_QUERY_PARAMS: Final = 1000
MAX_QUERY_CHARS: Final = 512 * 1024
TOO_MANY_PARAMS: Final = "too_many_params"
WARNING: Final = (
    "This link has more than 1,000 parameters; Streamlit ignores all of them, so no filter from it is "
    "applied. Showing everything: set the filters again, or ask for a shorter link."
)


def query_would_be_dropped(query_string: str) -> bool:
    """Whether Streamlit would ignore this whole query string (its own count: one more than the '&'s)."""
    if not query_string:
        return False
    return query_string.count("&") + 1 > MAX_QUERY_PARAMS or len(query_string) > MAX_QUERY_CHARS


def marked_address(path: str) -> str:
    """The same page, with only the marker, so the page can tell the visitor what happened."""
    return f"{path}?{TOO_MANY_PARAMS}=1"


def warn_if_link_was_dropped() -> None:
    """A warning on a page whose link lost every parameter (app.py's gate left the marker)."""
    if st.query_params.get(TOO_MANY_PARAMS) == "1":
        st.warning(WARNING, icon="⚠️")
