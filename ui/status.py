"""Rendering `core.health.check_all` for people."""

from __future__ import annotations

import streamlit as st

from core.config import Settings
from core.health import check_all
from core.redaction import redact
from ui.feedback import attempt

LABELS = {
    "database": "Database",
    "storage": "Image storage",
    "replicate": "Replicate",
    "speech_model": "Speech model",
    "caption_model": "Caption model",
}


def render_report(settings: Settings, *, load_models: bool) -> None:
    """Run every check and show each part; a failure of the checks themselves becomes a message."""
    report = attempt(lambda: check_all(settings, load_models=load_models), settings.secret_values)
    if report is None:
        return
    if report.ok:
        st.success("Every configured part answers.")
    else:
        st.error("Some parts need attention: " + ", ".join(LABELS[name] for name in report.failing))
    for name, label in LABELS.items():
        part = report.parts[name]
        icon = "✅" if part.ok else ("⚪" if not part.configured else "❌")
        timing = f" ({part.ms:.0f} ms)" if part.ms is not None else ""
        st.markdown(f"{icon} **{label}**{timing}")
        st.text(redact(part.detail, settings.secret_values))
