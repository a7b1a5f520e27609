"""Shared test setup: no model hub, no user folders, and the service fixtures of tests/fixtures."""

from __future__ import annotations

import os

# Set before anything imports huggingface_hub, so a forgotten download fails fast instead of hanging.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest

from tests.fakes import FakeClock

pytest_plugins = [
    "tests.fixtures.postgres",
    "tests.fixtures.s3",
    "tests.fixtures.replicate_server",
    "tests.fixtures.models",
    "tests.fixtures.fake_hub",
]

# Variables of the configuration contract that must not leak from a developer's shell into tests.
_CONFIG_VARIABLES = (
    "DATABASE_URL",
    "DB_USER",
    "DB_PASSWORD",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "SPACES_KEY",
    "SPACES_SECRET",
    "SPACES_REGION",
    "SPACES_ENDPOINT",
    "SPACES_BUCKET",
    "REPLICATE_API_TOKEN",
    "REPLICATE_BASE_URL",
    "DATA_DIR",
    "WHISPER_MODEL",
    "CAPTION_MODEL",
    "IMAGE_MODEL",
    "SPEECH_ENGINE",
    "WHISPER_BEAM_SIZE",
    "CAPTION_ENGINE",
    "REPLICATE_SPEECH_MODEL",
    "REPLICATE_CAPTION_MODEL",
    "REPLICATE_TIMEOUT",
    "REPLICATE_MAX_RETRIES",
    "PRESIGNED_URL_TTL",
    "MODEL_DEVICE",
    "APP_PASSWORD",
    "PROMPT_MODEL",
    "TRANSLATE_PROMPTS",
    "PROMPT_TEMPLATE",
)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """Every test starts with no configuration, in a temporary working folder."""
    for name in _CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    # Models load when a test asks for them; the tests of background loading turn it back on.
    monkeypatch.setenv("PRELOAD_MODELS", "false")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    """A clock for Replicate adapters: sleeping moves it forward instantly and is recorded."""
    return FakeClock()
