"""The Home page in AppTest: what the app does, how it is configured, and counts from the real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from tests.app.conftest import model_libraries_imported_by, page, signed_in
from tests.app.shown_text import as_read
from tests.app.test_history_page import DOWN_DATABASE_URL, seed_records

HOME = "pages/home.py"


def all_text(node: Node) -> str:
    """Every string the page sent to the browser, read from the raw element messages."""
    if isinstance(node, Block):
        return "\n".join(all_text(child) for child in node.children.values())
    return str(getattr(node, "proto", ""))


def run_home() -> AppTest:
    return signed_in(page(HOME)).run()


def configuration_text(at: AppTest) -> str:
    return as_read(next(m.value for m in at.markdown if "Database:" in m.value))


def test_home_counts_saved_images_and_names_the_database_and_storage(data_dir: Path) -> None:
    seed_records(["a river", "a mountain", "a valley"])

    at = run_home()

    assert not at.exception
    assert [metric.value for metric in at.metric] == ["3", "3"]
    described = configuration_text(at)
    assert f"sqlite:///{data_dir}/app.db" in described
    assert f"local folder {data_dir}/images" in described
    assert "Replicate token:** not set" in described
    assert "open to anyone who can reach this server" in described


def test_home_shows_the_latest_thumbnails_and_both_charts(data_dir: Path) -> None:
    seed_records(f"picture {n}" for n in range(8))

    at = run_home()

    assert len(at.image) == 6
    assert all(url.startswith("data:image/webp;base64,") for image in at.image for url in image.value)
    assert [c.value for c in at.caption][-6:][0] == "caption of picture 7"
    assert len(at.get("vega_lite_chart")) == 2


def test_home_links_to_create_and_history_inside_the_full_app(data_dir: Path) -> None:
    at = page("Home.py").run()

    links = at.get("page_link")
    assert not at.exception
    # First the row of every page a phone shows at the top (ui.navigation.phone_navigation), then Home's own.
    assert [link.proto.label for link in links] == [
        "Home",
        "Create",
        "History",
        "Status",
        "Create an image",
        "Browse the history",
    ]


def test_home_without_images_invites_to_create(data_dir: Path) -> None:
    at = run_home()

    assert [metric.value for metric in at.metric] == ["0", "0"]
    assert "Nothing saved yet" in at.info[0].value


def test_home_never_shows_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = {"REPLICATE_API_TOKEN": "r8_Zx81tokenvalue", "APP_PASSWORD": "hunter2-door", "DB_PASSWORD": "pg-s3cret"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DB_HOST", "127.0.0.1")
    monkeypatch.setenv("DB_PORT", "1")
    monkeypatch.setenv("DB_USER", "postgres")
    monkeypatch.setenv("DB_NAME", "none")

    at = run_home()

    shown = all_text(at._tree)
    assert not at.exception
    assert "Replicate token:** set" in configuration_text(at)
    assert "protected by a shared password" in configuration_text(at)
    assert "127.0.0.1:1" in shown  # the page did render the database part...
    assert not [value for value in secrets.values() if value in shown]  # ...without any secret


def test_home_explains_a_down_database_and_still_shows_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", DOWN_DATABASE_URL)

    at = run_home()

    assert not at.exception
    assert "Cannot reach PostgreSQL at 127.0.0.1:1" in at.warning[0].value
    assert "PostgreSQL is running" in at.caption[-1].value
    assert "postgresql+psycopg://postgres@127.0.0.1:1/none" in configuration_text(at)
    assert not at.metric


def test_home_page_never_imports_model_libraries(data_dir: Path) -> None:
    seed_records(["a calm overview"])
    assert model_libraries_imported_by(HOME, then='assert at.metric, "the overview did not render"') == []


def test_home_and_create_show_each_model_loading_then_ready_without_any_click(
    data_dir: Path, real_whisper_transformers_dir: Path, tiny_blip_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("PRELOAD_MODELS", "true")
    monkeypatch.setenv("SPEECH_ENGINE", "transformers")  # the folder is a transformers checkpoint
    monkeypatch.setenv("WHISPER_MODEL", str(real_whisper_transformers_dir))
    monkeypatch.setenv("CAPTION_MODEL", str(tiny_blip_dir))
    monkeypatch.setenv("MODEL_THREADS", "1")

    home = run_home()
    first = " ".join(c.value for c in home.caption)
    assert "Speech model: loading…" in first or "Speech model: ready" in first

    deadline = time.monotonic() + 120
    while "Caption model: ready" not in " ".join(c.value for c in home.caption) and time.monotonic() < deadline:
        time.sleep(0.5)
        home.run()
    status = " ".join(c.value for c in home.caption)
    assert "Speech model: ready" in status and "Caption model: ready" in status
    create = signed_in(page("pages/create.py")).run()
    assert any("Speech model: ready" in c.value and "Caption model: ready" in c.value for c in create.caption)


def test_with_preloading_off_models_are_said_to_load_on_first_use(data_dir: Path) -> None:
    at = run_home()
    assert any("Speech model: loads on first use" in c.value for c in at.caption)


def test_models_that_cannot_load_offline_share_one_error_box_with_the_way_out_and_create_never_offers_transcribing(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("PRELOAD_MODELS", "true")
    monkeypatch.setenv("WHISPER_MODEL", str(tmp_path / "no-whisper-here"))  # a fresh clone, no hub: nothing loads
    monkeypatch.setenv("CAPTION_MODEL", str(tmp_path / "no-blip-here"))

    home = run_home()
    deadline = time.monotonic() + 60
    # A fresh clone offline: speech, captions and the embedding model (search by meaning) all fail to load.
    while " ".join(c.value for c in home.caption).count("could not load") < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        home.run()
    for at in (home, signed_in(page("pages/create.py")).run()):
        # The grey line points to the box rather than saying each long reason a second time.
        status = " ".join(c.value for c in at.caption)
        assert status.count("could not load (why, below)") == 3 and "no-whisper-here" not in status, status
        failures = [e.value for e in at.error if "could not load" in e.value]
        assert len(failures) == 1, [e.value for e in at.error]  # as visible as the missing token: an error box
        (failure,) = failures
        for model, folder in (("Speech model", "no\\-whisper\\-here"), ("Caption model", "no\\-blip\\-here")):
            assert f"- {model}: " in failure and folder in failure, failure  # each reason, its paths made inert
        assert "- Embedding model: " in failure
        assert failure.count("To fix it") == 1 and "`make run-remote`" in failure and "`WHISPER_MODEL`" in failure
    create_errors = " ".join(e.value for e in at.error)
    assert "REPLICATE_API_TOKEN" in create_errors and "You can still transcribe" not in create_errors
    assert "You can still type a prompt" in create_errors
