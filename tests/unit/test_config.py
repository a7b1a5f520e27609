import tomllib
from pathlib import Path

import pytest

from core.config.settings import MAX_UPLOAD_MB, Secret, Settings, load_settings
from core.config.specs import SETTINGS
from core.domain.errors import ConfigError


def settings_from(env: dict[str, str], **kwargs):
    return load_settings(env, dotenv_path=kwargs.pop("dotenv_path", None), **kwargs)


def test_no_configuration_means_sqlite_and_a_local_folder_under_data_dir():
    settings = settings_from({})
    assert settings.database_url == "sqlite:///data/app.db"
    assert settings.spaces is None
    assert settings.images_dir == Path("data/images")
    assert settings.replicate_api_token is None


def test_data_dir_moves_the_embedded_defaults(tmp_path):
    settings = settings_from({"DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path.as_posix()}/app.db"
    assert settings.images_dir == tmp_path / "images"


def test_seed_db_variables_build_a_postgresql_url():
    settings = settings_from(
        {"DB_USER": "app", "DB_PASSWORD": "p@ss:word", "DB_HOST": "db.local", "DB_PORT": "6543", "DB_NAME": "images"}
    )
    assert settings.database_url == "postgresql+psycopg://app:p%40ss%3Aword@db.local:6543/images"
    assert "p@ss" not in settings.database_description()


def test_database_url_wins_over_db_variables():
    settings = settings_from({"DATABASE_URL": "postgresql://u@h/x", "DB_HOST": "ignored", "DB_NAME": "y"})
    assert settings.database_url == "postgresql+psycopg://u@h/x"


def test_half_given_database_settings_name_every_missing_variable():
    with pytest.raises(ConfigError) as error:
        settings_from({"DB_HOST": "db.local", "DB_PASSWORD": "x"})
    assert "DB_USER" in str(error.value) and "DB_NAME" in str(error.value)
    assert "DB_HOST" not in str(error.value).split("(given")[0]


def test_half_given_spaces_settings_name_every_missing_variable():
    with pytest.raises(ConfigError) as error:
        settings_from({"SPACES_BUCKET": "pics"})
    message = str(error.value)
    for name in ("SPACES_KEY", "SPACES_SECRET", "SPACES_REGION or SPACES_ENDPOINT"):
        assert name in message


def test_spaces_endpoint_defaults_from_region():
    settings = settings_from({"SPACES_BUCKET": "b", "SPACES_KEY": "k", "SPACES_SECRET": "s", "SPACES_REGION": "ams3"})
    assert settings.spaces is not None
    assert settings.spaces.endpoint == "https://ams3.digitaloceanspaces.com"


def test_environment_beats_dotenv_beats_streamlit_secrets(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("IMAGE_MODEL=from-dotenv\nCAPTION_MODEL=from-dotenv\n")
    secrets = {"IMAGE_MODEL": "from-secrets", "CAPTION_MODEL": "from-secrets", "WHISPER_MODEL": "from-secrets"}
    settings = settings_from({"IMAGE_MODEL": "from-env"}, dotenv_path=dotenv, secrets=secrets)
    assert settings.image_model == "from-env"
    assert settings.caption_model == "from-dotenv"
    assert settings.whisper_model == "from-secrets"


def test_empty_values_count_as_not_given():
    settings = settings_from({"DB_HOST": "", "SPACES_BUCKET": "  ", "REPLICATE_API_TOKEN": ""})
    assert settings.uses_embedded_database and settings.spaces is None and settings.replicate_api_token is None


def test_secrets_never_appear_in_repr_or_str():
    settings = settings_from(
        {
            "REPLICATE_API_TOKEN": "r8_supersecret",
            "APP_PASSWORD": "hunter22",
            "DATABASE_URL": "postgresql://u:dbpw1@h/d",
        }
    )
    text = repr(settings) + str(settings.replicate_api_token)
    assert "r8_supersecret" not in text and "hunter22" not in text and "dbpw1" not in text
    assert "h/d" in repr(settings)  # the masked address still tells databases apart
    assert settings.replicate_api_token == Secret("r8_supersecret")
    assert {s.reveal() for s in settings.secret_values} >= {"r8_supersecret", "hunter22", "dbpw1"}


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PRESIGNED_URL_TTL", "soon", "whole number"),
        ("PRESIGNED_URL_TTL", "0", "greater than zero"),
        ("SPEECH_ENGINE", "vosk", "transformers, faster-whisper"),
        ("MODEL_DEVICE", "tpu", "auto, cpu, cuda"),
        ("CAPTION_PRECISION", "int4", "auto, float32, bfloat16"),
    ],
)
def test_invalid_values_say_what_is_allowed(name, value, expected):
    with pytest.raises(ConfigError, match=expected):
        settings_from({name: value})


def test_whisper_beam_size_defaults_to_beam_search_of_five_and_one_means_greedy():
    assert settings_from({}).whisper_beam_size == 5
    assert settings_from({"WHISPER_BEAM_SIZE": "1"}).whisper_beam_size == 1


@pytest.mark.parametrize("value", ["0", "-2", "21", "wide"])
def test_unusable_whisper_beam_size_is_refused_saying_what_to_set(value):
    with pytest.raises(ConfigError) as error:
        settings_from({"WHISPER_BEAM_SIZE": value})
    assert "WHISPER_BEAM_SIZE" in str(error.value)


def test_the_upload_limit_holds_the_longest_recording_and_not_much_more():
    # 300 s of a browser recording (16 kHz mono 16-bit WAV, 44-byte header) must fit...
    assert Settings.max_upload_mb * 2**20 >= Settings.max_audio_seconds * 16_000 * 2 + 44
    # ...and not much more: strangers can upload before the password gate runs.
    assert Settings.max_upload_mb <= 16


def test_streamlit_upload_limit_is_the_default_max_upload_mb() -> None:
    # TOML cannot import the constant, so this keeps the two in step.
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())

    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB == Settings.max_upload_mb


def test_streamlit_runs_no_full_garbage_collection_after_each_script_run() -> None:
    # The results fragment reruns while captions are written; a full collection each time stole their GIL.
    config = tomllib.loads((Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml").read_text())

    assert config["runner"]["postScriptGC"] is False


def test_speech_defaults_to_faster_whisper_with_whisper_base_in_its_own_format() -> None:
    settings = settings_from({})

    assert (settings.speech_engine, settings.whisper_model) == ("faster-whisper", "base")
    assert (Settings.speech_engine, Settings.whisper_model) == ("faster-whisper", "base")


def test_transformers_is_one_setting_away_with_its_own_whisper_base() -> None:
    settings = settings_from({"SPEECH_ENGINE": "transformers"})

    assert (settings.speech_engine, settings.whisper_model) == ("transformers", "openai/whisper-base")


def test_a_whisper_model_given_explicitly_wins_over_the_engine_default() -> None:
    assert settings_from({"SPEECH_ENGINE": "transformers", "WHISPER_MODEL": "x/y"}).whisper_model == "x/y"
    assert settings_from({"WHISPER_MODEL": "tiny.en"}).whisper_model == "tiny.en"


def test_every_secret_variable_is_a_secret_value_to_mask_and_no_other_is() -> None:
    given = {
        "REPLICATE_API_TOKEN": "r8_token",
        "APP_PASSWORD": "hunter22",
        "DB_HOST": "db.local",
        "DB_USER": "app",
        "DB_NAME": "images",
        "DB_PASSWORD": "dbsecret",
        "SPACES_BUCKET": "pics",
        "SPACES_KEY": "key-id",
        "SPACES_SECRET": "spacesecret",
        "SPACES_REGION": "ams3",
    }
    settings = settings_from(given)
    masked = {secret.reveal() for secret in settings.secret_values}
    assert masked == {"r8_token", "hunter22", "dbsecret", "spacesecret"}
    assert {spec.name for spec in SETTINGS if spec.secret} == {
        "REPLICATE_API_TOKEN",
        "APP_PASSWORD",
        "DB_PASSWORD",
        "SPACES_SECRET",
    }
    assert "spacesecret" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "attribute", "expected"),
    [
        ("CAPTION_MAX_TOKENS", "12", "caption_max_tokens", 12),
        ("CAPTION_PRECISION", "BFLOAT16", "caption_precision", "bfloat16"),
        ("IMAGE_EDIT_MODEL", "me/kontext", "image_edit_model", "me/kontext"),
        ("MAX_AUDIO_SECONDS", "90", "max_audio_seconds", 90.0),
        ("MAX_PROMPT_CHARS", "400", "max_prompt_chars", 400),
        ("MAX_UPLOAD_MB", "4", "max_upload_mb", 4),
        ("MODEL_THREADS", "2", "model_threads", 2),
        ("REPLICATE_TIMEOUT", "30", "replicate_timeout_s", 30.0),
        ("REPLICATE_MAX_RETRIES", "0", "replicate_max_retries", 0),
        ("PRELOAD_MODELS", "off", "preload_models", False),
        ("REPLICATE_BASE_URL", "http://127.0.0.1:9", "replicate_base_url", "http://127.0.0.1:9"),
    ],
)
def test_each_variable_reaches_its_field_with_its_type(name, value, attribute, expected) -> None:
    read = getattr(settings_from({name: value}), attribute)
    assert read == expected and type(read) is type(expected)
    assert getattr(settings_from({}), attribute) == getattr(Settings(database_url="", data_dir=Path()), attribute)
