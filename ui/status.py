"""Rendering `core.health.check_all` for people."""

from __future__ import annotations

import streamlit as st

from core.config import Settings
from core.health import check_all
from core.redaction import redact

LABELS = {
    "database": "Database",
    "storage": "Image storage",
    "replicate": "Replicate",
    "speech_model": "Speech model",
    "caption_model": "Caption model",
}


def render_report(settings: Settings, *, load_models: bool) -> None:
    report = check_all(settings, load_models=load_models)
    if report["ok"]:
        st.success("Every configured part answers.")
    else:
        st.error("Some parts need attention: " + ", ".join(LABELS[name] for name in report["failing"]))
    for name, label in LABELS.items():
        part = report[name]
        assert isinstance(part, dict)
        icon = "✅" if part["ok"] else ("⚪" if part.get("configured") is False else "❌")
        timing = f" ({part['ms']:.0f} ms)" if "ms" in part else ""
        st.markdown(f"{icon} **{label}**{timing}")
        st.text(redact(str(part["detail"]), settings.secret_values))
