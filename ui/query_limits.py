"""The page's side of a link whose whole query Streamlit dropped (core.domain.link_limits): say so."""

from __future__ import annotations

from typing import Final

import streamlit as st

from core.domain.link_limits import TOO_MANY_PARAMS

WARNING: Final = (
    "This link has more than 1,000 parameters; Streamlit ignores all of them, so no filter from it is "
    "applied. Showing everything: set the filters again, or ask for a shorter link."
)


def warn_if_link_was_dropped() -> None:
    """A warning on a page whose link lost every parameter (app.py's gate left the marker)."""
    if st.query_params.get(TOO_MANY_PARAMS) == "1":
        st.warning(WARNING, icon="⚠️")
