"""A model missing from the local cache downloads with visible progress (bytes and percent, per model).

A local HTTP server stands in for the hub (HF_ENDPOINT), so no real hub is needed: each test runs the command
line in a fresh process whose hub cache is an empty temporary folder and that is allowed online.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from core.models.download import DownloadProgress, downloads, listen
from tests.fixtures.embedding import required_minilm_folder
from tests.fixtures.fake_hub import FakeHub

ROOT = Path(__file__).resolve().parents[2]
PROGRESS = re.compile(r"^download(ing|ed) (\S+): [\d.]+ of [\d.]+ MB \((\d+)%\)$")


def online_env(endpoint: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    return {
        **env,
        "HF_ENDPOINT": endpoint,
        "HF_HOME": str(tmp_path / "hf-home"),  # an empty cache: everything must come from the stand-in hub
        "PYTHONPATH": str(ROOT),
        "DATA_DIR": str(tmp_path / "data"),
        **settings,
    }


# `python -m core check --load-models` with the hub's metadata timeout shortened to `seconds`: the app's own
# command line and bound, just not 30 s of waiting on a hub that never answers.
_WITH_METADATA_TIMEOUT = (
    "import runpy, sys; import core.models.download as download; "
    "download.METADATA_TIMEOUT_S = float(sys.argv.pop(1)); runpy.run_module('core', run_name='__main__')"
)


def check_load_models(
    env: dict[str, str], cwd: Path, *, metadata_timeout_s: float | None = None
) -> subprocess.CompletedProcess[str]:
    if metadata_timeout_s is None:
        command = [sys.executable, "-m", "core", "check", "--load-models"]
    else:
        command = [sys.executable, "-c", _WITH_METADATA_TIMEOUT, str(metadata_timeout_s), "check", "--load-models"]
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def progress_lines(stderr: str) -> dict[str, list[int]]:
    """Percentages printed per repository, in order."""
    seen: dict[str, list[int]] = {}
    for line in stderr.splitlines():
        if match := PROGRESS.match(line.strip()):
            seen.setdefault(match.group(2), []).append(int(match.group(3)))
    return seen


def test_first_load_downloads_each_model_from_the_hub_showing_bytes_and_percent(
    fake_hub: FakeHub, real_whisper_ct2_dir: Path, tiny_blip_dir: Path, tmp_path: Path
) -> None:
    blip = shutil.copytree(tiny_blip_dir, tmp_path / "blip-repo")
    (blip / "tf_model.h5").write_bytes(b"0" * 1024)  # a second copy of the weights nobody needs
    fake_hub.serve("Systran/faster-whisper-tiny.en", real_whisper_ct2_dir)  # what the size name stands for
    fake_hub.serve("example-org/tiny-blip", blip)
    fake_hub.serve("sentence-transformers/all-MiniLM-L6-v2", required_minilm_folder())  # EMBEDDING_MODEL's default
    models = {"WHISPER_MODEL": "tiny.en", "CAPTION_MODEL": "example-org/tiny-blip"}
    env = online_env(fake_hub.endpoint, tmp_path, SPEECH_ENGINE="faster-whisper", **models)

    first = check_load_models(env, tmp_path)

    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["speech_model"]["ok"] and report["caption_model"]["ok"], report
    # Fetched from the hub, then run from the cache's snapshot on the numpy path.
    assert (report["embedding_model"]["runtime"], report["embedding_model"]["loaded"]) == ("numpy", True), report
    seen = progress_lines(first.stderr)
    assert set(seen) == {
        "Systran/faster-whisper-tiny.en",
        "example-org/tiny-blip",
        "sentence-transformers/all-MiniLM-L6-v2",
    }, first.stderr
    for percents in seen.values():
        assert percents == sorted(percents) and percents[-1] == 100
    assert len(seen["Systran/faster-whisper-tiny.en"]) >= 5  # a 75 MB model is shown on its way, not only at the end
    fetched = {path.rsplit("/", 1)[-1] for method, path in fake_hub.requests if method == "GET" and "/resolve/" in path}
    assert "tf_model.h5" not in fetched and {"model.bin", "model.safetensors"} <= fetched

    # The second start finds both in the cache: no download, nothing shown.
    fake_hub.requests.clear()
    second = check_load_models(env, tmp_path)

    assert json.loads(second.stdout)["caption_model"]["ok"] and progress_lines(second.stderr) == {}
    assert not any("/resolve/" in path for method, path in fake_hub.requests if method == "GET")


def test_a_hub_that_cannot_be_reached_fails_as_before_naming_the_setting(tmp_path: Path) -> None:
    # The discard port: nothing listens there, as on a machine whose firewall drops the hub.
    env = online_env("http://127.0.0.1:9", tmp_path, SPEECH_ENGINE="faster-whisper", CAPTION_ENGINE="replicate")

    result = check_load_models(env, tmp_path)

    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["speech_model"]["ok"]
    assert "WHISPER_MODEL=base is not in the local model cache and the model hub" in report["speech_model"]["detail"]
    assert progress_lines(result.stderr) == {}


def test_progress_is_kept_per_model_and_told_to_listeners_as_the_hub_client_reports_chunks() -> None:
    from core.models.download import _Tracker

    heard: list[DownloadProgress] = []
    stop = listen(heard.append)
    try:
        tracker = _Tracker("example-org/two-files", total=3_000_000)
        for size in (1_000_000, 2_000_000):  # what hf_hub_download does with the bar class it is given
            with tracker.bar_class()(total=size, initial=0, unit="B", desc="file") as bar:
                for _ in range(4):
                    bar.update(size // 4)
                    bar.update_transfer(size // 4)  # the same bytes counted on the wire: not added twice
            tracker.file_done(size)
        tracker.finish()
    finally:
        stop()

    mine = [p for p in downloads() if p.repo == "example-org/two-files"]
    assert mine == [DownloadProgress("example-org/two-files", 3_000_000, 3_000_000, finished=True)]
    assert [p.done_bytes for p in heard] == sorted(p.done_bytes for p in heard)
    assert "downloading example-org/two-files: 1.0 of 3.0 MB (33%)" in [p.describe() for p in heard]
    assert heard[-1].describe() == "downloaded example-org/two-files: 3.0 of 3.0 MB (100%)"


def test_a_hub_that_answers_nothing_fails_the_load_instead_of_hanging(tmp_path: Path) -> None:
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # connections are accepted by the kernel and never answered
    endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}"
    env = online_env(endpoint, tmp_path, SPEECH_ENGINE="faster-whisper", CAPTION_ENGINE="replicate")
    started = time.monotonic()
    try:
        result = check_load_models(env, tmp_path, metadata_timeout_s=1.0)
    finally:
        silent.close()
    elapsed = time.monotonic() - started

    report = json.loads(result.stdout)
    assert result.returncode == 1 and "WHISPER_MODEL=base could not be loaded" in report["speech_model"]["detail"]
    assert elapsed < 25  # ended by the (shortened) bound, not by some other, longer wait
