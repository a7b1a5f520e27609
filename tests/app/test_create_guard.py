"""The server-side guard behind Generate and Do it all: one run at a time per session, whatever the browser sends."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import streamlit as st

from core.app.pipeline import Pipeline
from tests.fakes import FakeCaptioner, FakeGenerator, FakeRecords, FakeStore, FakeTranscriber
from ui.create import flow


@pytest.fixture
def session() -> Iterator[None]:
    """A session state of its own (Streamlit's bare mode keeps one per process)."""
    st.session_state.clear()
    yield
    st.session_state.clear()


def test_a_click_that_arrives_while_a_run_is_going_starts_nothing_and_says_why(session):
    generator = FakeGenerator(gate=threading.Event())
    pipeline = Pipeline(
        store=FakeStore(),
        records=FakeRecords(),
        generator=generator,
        transcriber=lambda: FakeTranscriber(),
        captioner=lambda: FakeCaptioner(),
    )
    st.session_state[flow.PROMPT] = "a red kite"

    flow.start_run(pipeline, False)
    assert flow.busy()
    flow.start_run(pipeline, False)  # Generate again
    flow.start_run(pipeline, True)  # Do it all

    assert len(flow.runs()) == 1
    assert "nothing is made or paid for twice" in st.session_state[flow.NOTICE]
    generator.gate.set()
    assert flow.runs()[0].wait(timeout=10)
    assert len(generator.requests) == 1

    flow.start_run(pipeline, False)  # once the run is over, a new click is a new intent
    assert flow.runs()[0].wait(timeout=10)
    assert len(generator.requests) == 2


def test_a_click_with_nothing_to_draw_starts_nothing_and_is_no_failure(session):
    generator = FakeGenerator()
    pipeline = Pipeline(
        store=FakeStore(),
        records=FakeRecords(),
        generator=generator,
        transcriber=lambda: FakeTranscriber(),
        captioner=lambda: FakeCaptioner(),
    )
    st.session_state[flow.PROMPT] = "  \n "

    flow.start_run(pipeline, False)

    assert flow.runs() == [] and generator.requests == []
    assert "nothing to draw" in st.session_state[flow.NOTICE]
