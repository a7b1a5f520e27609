"""Settings handed to Create's widgets: by History's "Reuse on Create" or by a result's "Reuse settings".

The sender calls `hand_over` (History then switches page); Create takes the hand-over once, before it draws
a widget (Streamlit refuses a widget's value set after the widget is drawn). Nothing else of Create's state
is written from outside: this is the one door, and it carries one typed value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from core.domain.ports import GenerationRequest
from core.domain.records import ImageRecordView
from ui.create.state import (
    ASPECT_RATIO,
    CREATE,
    MEGAPIXELS_KEY,
    OUTPUT_FORMAT,
    OUTPUT_QUALITY,
    PROMPT,
    SEED,
)

HANDOVER = "reuse_settings"  # the one key another page writes for Create: a Handover
REUSABLE = (PROMPT, ASPECT_RATIO, OUTPUT_FORMAT, OUTPUT_QUALITY, MEGAPIXELS_KEY, SEED)


@dataclass(frozen=True)
class Handover:
    """Widget values for Create, by widget key (the keys of REUSABLE); a seed only when it was asked for."""

    settings: dict[str, Any] = field(default_factory=dict)


def hand_over(settings: dict[str, Any]) -> None:
    """Give Create these settings; it puts them in its widgets the next time it is drawn."""
    st.session_state[HANDOVER] = Handover(dict(settings))


def take_handover() -> None:
    """Put settings handed over since the last draw into the widgets, once; before any widget is drawn."""
    handed = st.session_state.pop(HANDOVER, None)
    if isinstance(handed, Handover):
        apply_settings(handed.settings)


def apply_settings(settings: dict[str, Any]) -> None:
    """Put reused settings into the widgets; the prompt stops being the transcript of any audio."""
    for key in REUSABLE:
        if key in settings and (settings[key] is not None or key == SEED):
            st.session_state[key] = settings[key]
    CREATE.transcript = None


def request_settings(request: GenerationRequest, *, with_seed: bool) -> dict[str, Any]:
    """The reusable settings of a request (optionally its seed), as `hand_over` takes them."""
    chosen = {
        PROMPT: request.prompt,
        ASPECT_RATIO: request.aspect_ratio,
        OUTPUT_FORMAT: request.output_format,
        OUTPUT_QUALITY: request.output_quality,
        MEGAPIXELS_KEY: request.megapixels,
    }
    return chosen | ({SEED: request.seed} if with_seed else {})


def record_settings(record: ImageRecordView, *, with_seed: bool) -> dict[str, Any]:
    """The reusable settings of a saved image; what older rows did not record keeps its current value."""
    chosen: dict[str, Any] = {
        PROMPT: record.prompt,
        ASPECT_RATIO: record.aspect_ratio,
        OUTPUT_FORMAT: record.output_format,
        OUTPUT_QUALITY: record.output_quality,
        MEGAPIXELS_KEY: record.megapixels,
    }
    return chosen | ({SEED: record.seed} if with_seed and record.seed is not None else {})
