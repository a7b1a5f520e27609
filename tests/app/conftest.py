"""AppTest setup: each test gets its own data folder and fresh cached resources."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Embedded defaults (SQLite + local folder) in a temporary DATA_DIR."""
    folder = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(folder))
    return folder


def page(relative_path: str, *, timeout: float = 60) -> AppTest:
    """An AppTest of one script of the app (Home.py or pages/<name>.py)."""
    return AppTest.from_file(str(ROOT / relative_path), default_timeout=timeout)
