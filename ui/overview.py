"""Home overview: what the app does, how it is configured (never a secret), and what has been made."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.app import gallery
from core.app.health import speech_engine_words
from core.app.services import Services
from core.config.redaction import redact
from core.config.settings import Settings
from core.config.specs import described
from core.domain.ports import RecordReader
from core.domain.records import HistoryStats, ImageRecordView
from ui.access.page_access import access_mode
from ui.feedback import attempt
from ui.history.view import database_advice
from ui.navigation import CREATE_PAGE, HISTORY_PAGE, link_to_page
from ui.record_display import card_text, escape_markdown, in_stage_order, thumbnail_key, thumbnail_url
from ui.resources import database_problem

STATS_DAYS = 30
LATEST_COUNT = 6
ABOUT = (
    "Speak an idea and get a picture of it. Your words are transcribed by Whisper into a prompt you can edit, "
    "FLUX.1 [schnell] on Replicate draws it, BLIP describes the result in a caption, and everything is kept "
    "so you can browse, search and reuse it later."
)


ACCESS_DESCRIPTIONS = {
    "open": "open to anyone who can reach this server (set APP_PASSWORD to require a password)",
    "password": "protected by a shared password (APP_PASSWORD)",
    "login": "visitors sign in with the identity provider in the [auth] secrets (st.login)",
}


def configuration_facts(settings: Settings) -> list[tuple[str, str]]:
    """What the app is wired to, in words; secrets appear only as set / not set."""
    database = settings.database_description()
    if settings.uses_embedded_database:
        database += " (embedded SQLite; set DATABASE_URL or DB_* for PostgreSQL)"
    facts = [
        ("Database", database),
        ("Image storage", settings.storage_description()),
        ("Replicate token", "set" if settings.replicate_api_token else _unset("REPLICATE_API_TOKEN")),
        ("Image model", settings.image_model),
        ("Speech", speech_description(settings)),
        ("Captions", caption_description(settings)),
        ("Access", ACCESS_DESCRIPTIONS[access_mode(settings)]),
    ]
    # A secret that happens to sit inside a host name or path must still not be shown.
    return [(label, redact(value, settings.secret_values)) for label, value in facts]


def _unset(name: str) -> str:
    """A setting that is not given, with what it is for in the specs' own words."""
    return f"not set: set {name}, {described(name)}"


def images_per_day_frame(stats: HistoryStats) -> pd.DataFrame:
    frame = pd.DataFrame(stats.images_per_day, columns=["day", "images"])
    frame["day"] = pd.to_datetime(frame["day"])
    return frame


def stage_frame(stats: HistoryStats) -> pd.DataFrame:
    """Average seconds per pipeline stage, in the order the stages run."""
    stages = in_stage_order(stats.average_stage_ms)
    return pd.DataFrame({"stage": stages, "seconds": [round(stats.average_stage_ms[s] / 1000, 2) for s in stages]})


def about() -> None:
    st.markdown(ABOUT)
    create, history = st.columns(2)
    with create:
        link_to_page(CREATE_PAGE, "Create an image", icon="🎙️")
    with history:
        link_to_page(HISTORY_PAGE, "Browse the history", icon="🗂️")


def configuration(settings: Settings) -> None:
    with st.expander("Configuration", expanded=False):  # for whoever runs the app; folded for everyone else
        st.markdown(
            "\n".join(f"- **{label}:** {escape_markdown(value)}" for label, value in configuration_facts(settings))
        )


def history_overview(current: Services) -> None:
    """Counts, images per day, the latest thumbnails and stage times; a down database is said, not raised."""
    st.subheader("Overview")
    if problem := database_problem(current):
        st.warning(f"The overview is unavailable because the database cannot be used. {problem}", icon="🗄️")
        st.caption(database_advice(current.settings))
        return
    secrets = current.settings.secret_values
    reader: RecordReader = current.records  # Home only reads
    stats = attempt(lambda: gallery.stats(reader, days=STATS_DAYS), secrets)
    latest = attempt(lambda: gallery.latest(reader, limit=LATEST_COUNT), secrets)
    if stats is None or latest is None:
        return
    total, recent = st.columns(2)
    total.metric("Images saved", stats.total)
    recent.metric(f"Last {STATS_DAYS} days", sum(count for _, count in stats.images_per_day))
    if stats.total == 0:
        st.info("Nothing saved yet: create the first image and it will show up here.", icon="🖼️")
        return
    _latest_thumbnails(current, latest)
    per_day, stages = st.columns(2)
    with per_day:
        st.markdown(f"**Images per day** (UTC, last {STATS_DAYS} days)")
        st.bar_chart(images_per_day_frame(stats), x="day", y="images", x_label="", y_label="images")
    with stages:
        st.markdown("**Average time per stage** (seconds)")
        if stats.average_stage_ms:
            st.bar_chart(stage_frame(stats), x="stage", y="seconds", x_label="", y_label="seconds", horizontal=True)
        else:
            st.caption(f"No timings recorded in the last {STATS_DAYS} days.")


def _latest_thumbnails(current: Services, latest: list[ImageRecordView]) -> None:
    st.markdown("**Latest images**")
    for cell, record in zip(st.columns(LATEST_COUNT), latest, strict=False):
        with cell:
            if url := thumbnail_url(current, thumbnail_key(record)):
                st.image(url, width="stretch")
            st.caption(card_text(record, 60))


def speech_description(settings: Settings) -> str:
    if settings.speech_engine == "replicate":
        return f"{settings.replicate_speech_model} on Replicate"
    return f"{settings.whisper_model} on the {speech_engine_words(settings)}, device {settings.model_device}"


def caption_description(settings: Settings) -> str:
    if settings.caption_engine == "replicate":
        return f"{settings.replicate_caption_model} on Replicate"
    return f"{settings.caption_model} (device {settings.model_device})"
