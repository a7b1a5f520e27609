"""Rendering `core.app.health.check_all` for people."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core.app import meaning
from core.app.gc import DEFAULT_GRACE_MINUTES, Orphans, find_orphans
from core.app.health import check_all
from core.config.redaction import redact
from core.config.settings import Settings
from ui.feedback import attempt
from ui.resources import database_problem, services

# Listing is one request per 1000 objects on S3: the page stops counting here, the command does not.
ORPHAN_SCAN_LIMIT = 10_000

LABELS = {
    "database": "Database",
    "storage": "Image storage",
    "replicate": "Replicate",
    "speech_model": "Speech model",
    "caption_model": "Caption model",
    "embedding_model": "Embedding model",
}
VECTORS_REFRESH_S = 2.0  # how often the search-vector line reads its counts again (one count query)


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
    if orphans is None or not orphans.objects:
        return
    count = f"{len(orphans.objects)}" if orphans.complete else f"at least {len(orphans.objects)}"
    st.warning(
        f"Stored objects that no record points to: {count} (older than {DEFAULT_GRACE_MINUTES} minutes, left by "
        "failed saves). List them with `python -m core gc --dry-run`, remove them with `python -m core gc`.",
        icon="🧹",
    )


def render_search_vectors(settings: Settings) -> None:
    """Records search by meaning can find, of all, re-read every VECTORS_REFRESH_S: a `reindex` running in any
    process (the command line, another server) moves the bar, since the counts come from the database."""
    current = attempt(services, settings.secret_values)
    if current is None or database_problem(current) is not None:  # "Run checks" says what is wrong
        return
    model = current.settings.embedding_model_id

    @st.fragment(run_every=VECTORS_REFRESH_S)
    def search_vectors() -> None:
        coverage = attempt(lambda: meaning.coverage(current.vectors, model), settings.secret_values)
        if coverage is None:
            return
        if not coverage.waiting:
            st.caption(f"Search by meaning: all {coverage.total:,} records have their vector ({model}).")
            return
        st.progress(
            coverage.embedded / coverage.total,
            text=f"Search vectors for {model}: {coverage.embedded:,} of {coverage.total:,} records",
        )
        st.caption(
            f"{coverage.waiting:,} records (saved while the model was down, or before a model change) cannot be "
            "found by meaning yet: `python -m core reindex` embeds them, and this bar follows it."
        )

    search_vectors()
