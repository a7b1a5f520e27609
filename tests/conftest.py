"""Shared test setup: no model hub, no user folders, and the service fixtures of tests/fixtures."""

from __future__ import annotations

import os

# Set before anything imports huggingface_hub, so a forgotten download fails fast instead of hanging.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from core.config.specs import SETTINGS
from tests.fakes import FakeClock

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.s3",
    "tests.fixtures.replicate_server",
    "tests.fixtures.models",
    "tests.fixtures.fake_hub",
    "tests.fixtures.embedding",
    "tests.fixtures.pgvector",
    "tests.fixtures.scheduling",
    "tests.fixtures.component_scan",
]


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Every test starts with no configuration, in a temporary working folder."""
    for spec in SETTINGS:  # every variable of the configuration contract, so a developer's shell never leaks in
        monkeypatch.delenv(spec.name, raising=False)
    # Models load when a test asks for them; the tests of background loading turn it back on.
    monkeypatch.setenv("PRELOAD_MODELS", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    """A clock for Replicate adapters: sleeping moves it forward instantly and is recorded."""
    return FakeClock()
