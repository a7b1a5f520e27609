"""Two moves every page's typed state makes on `st.session_state` (ui/create/state.py, ui/history/state.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

import streamlit as st

T = TypeVar("T")


def kept(key: str, empty: Callable[[], T]) -> T:
    """The session's value under `key`, made `empty()` the first time it is asked for."""
    return cast(T, st.session_state.setdefault(key, empty()))


def keep_or_forget(key: str, value: object) -> None:
    """Keep `value` under `key`; None forgets the key (a later get answers its default)."""
    if value is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = value
