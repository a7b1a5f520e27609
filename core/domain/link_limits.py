"""Links whose query Streamlit throws away whole: app.py's gate marks them, and History says so.

Streamlit ignores the entire query string of a page when it has more than 1,000 parameters (or more
than 512 Ki characters), silently: History would then show every record as if the link asked for
nothing. app.py's gate (web/gate.py) redirects such a page request to the same path with only
`too_many_params=1`, and the page warns instead of pretending (ui/query_limits.py).
"""

from __future__ import annotations

from typing import Final

# Streamlit's own limits (streamlit/runtime/state/query_params.py), counted the way it counts them.
MAX_QUERY_PARAMS: Final = 1000
MAX_QUERY_CHARS: Final = 512 * 1024
TOO_MANY_PARAMS: Final = "too_many_params"


def query_would_be_dropped(query_string: str) -> bool:
    """Whether Streamlit would ignore this whole query string (its own count: one more than the '&'s)."""
    if not query_string:
        return False
    return query_string.count("&") + 1 > MAX_QUERY_PARAMS or len(query_string) > MAX_QUERY_CHARS


def marked_address(path: str) -> str:
    """The same page, with only the marker, so the page can tell the visitor what happened."""
    return f"{path}?{TOO_MANY_PARAMS}=1"
