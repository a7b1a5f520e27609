"""SPEECH_ENGINE / CAPTION_ENGINE choose an adapter through the composition root's registry."""

from __future__ import annotations

import pytest

from core.app.services import CAPTION_LOADERS, SPEECH_LOADERS, load_captioner_for, load_transcriber_for
from core.captioning.blip_replicate import ReplicateCaptioner
from core.config.settings import CAPTION_ENGINES, SPEECH_ENGINES, ConfigError, load_settings
from core.speech.whisper_replicate import ReplicateTranscriber


def settings(**values: str):
    return load_settings({"DATA_DIR": "unused", **values}, dotenv_path=None)


def test_remote_engines_build_replicate_adapters_for_the_default_models_without_a_request():
    remote = settings(SPEECH_ENGINE="replicate", CAPTION_ENGINE="Replicate", REPLICATE_API_TOKEN="r8_x")

    transcriber, captioner = load_transcriber_for(remote), load_captioner_for(remote)

    assert isinstance(transcriber, ReplicateTranscriber) and transcriber.model_id == "openai/whisper"
    assert isinstance(captioner, ReplicateCaptioner) and captioner.model_id == "salesforce/blip"


def test_remote_models_can_be_chosen_and_pinned_to_a_version():
    remote = settings(
        SPEECH_ENGINE="replicate",
        CAPTION_ENGINE="replicate",
        REPLICATE_SPEECH_MODEL="vaibhavs10/incredibly-fast-whisper:3ab8",
        REPLICATE_CAPTION_MODEL="someone/blip-2",
    )

    assert load_transcriber_for(remote).model_id == "vaibhavs10/incredibly-fast-whisper:3ab8"
    assert load_captioner_for(remote).model_id == "someone/blip-2"


def test_malformed_remote_model_is_refused_naming_its_setting():
    remote = settings(CAPTION_ENGINE="replicate", REPLICATE_CAPTION_MODEL="blip")

    with pytest.raises(ConfigError, match="REPLICATE_CAPTION_MODEL"):
        load_captioner_for(remote)


def test_unknown_caption_engine_is_refused_listing_the_choices():
    with pytest.raises(ConfigError, match="CAPTION_ENGINE='onnx' is not supported: use one of transformers, replicate"):
        settings(CAPTION_ENGINE="onnx")


def test_every_engine_setting_has_a_loader():
    assert set(SPEECH_LOADERS) == set(SPEECH_ENGINES)
    assert set(CAPTION_LOADERS) == set(CAPTION_ENGINES)
