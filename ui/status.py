"""Rendering `core.app.health.check_all` for people."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core.app.gc import DEFAULT_GRACE_MINUTES, Orphans, find_orphans
from core.app.health import check_all
from core.config.redaction import redact
from core.config.settings import Settings
from ui.feedback import attempt
from ui.history.meaning import waiting_for_vectors
from ui.resources import database_problem, services

# Listing is one request per 1000 objects on S3: the page stops counting here, the command does not.
ORPHAN_SCAN_LIMIT = 10_000

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
    if report.parts["database"].ok and report.parts["storage"].ok:
        render_orphans(settings)


def render_orphans(settings: Settings) -> None:
    """Say how many stored objects no record points to, only when there are any."""
    current = attempt(services, settings.secret_values)
    if current is None or database_problem(current) is not None:  # the database line above already says why
        return
    grace = timedelta(minutes=DEFAULT_GRACE_MINUTES)
    orphans: Orphans | None = attempt(
        lambda: find_orphans(current.store, current.records, older_than=grace, max_scanned=ORPHAN_SCAN_LIMIT),
        settings.secret_values,
    )
    attempt(lambda: waiting_for_vectors(current), settings.secret_values)
    if orphans is None or not orphans.objects:
        return
    count = f"{len(orphans.objects)}" if orphans.complete else f"at least {len(orphans.objects)}"
    st.warning(
        f"Stored objects that no record points to: {count} (older than {DEFAULT_GRACE_MINUTES} minutes, left by "
        "failed saves). List them with `python -m core gc --dry-run`, remove them with `python -m core gc`.",
        icon="🧹",
    )
