"""`/listen` on a real `streamlit run app.py`, fed a clip the way bench_listen feeds a session in its own process.

The server loads the same whisper-base folder (faster-whisper, MODEL_THREADS=2); captions stay on Replicate, so
the only model in it is the one being measured. The client sends 0.1 s frames on a clock, presses Stop at the same
moment, and times each message as it arrives. The server's CPU is read from /proc around each stream.
"""

from __future__ import annotations

import json
import os
import statistics
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

READY_TIMEOUT_S = 600.0
SIDE_BY_SIDE_ROUNDS = 2
SIDE_BY_SIDE_KEYS = ("first_words_ms", "first_words_lag_ms", "partial_lag_ms", "stop_to_final_ms")


@dataclass
class Streamed:
    partials: list[tuple[float, float, str]] = field(default_factory=list)  # (arrived, audio end, words)
    final_text: str = ""
    stop_to_final_ms: float = 0.0
    decoded_at_stop: bool = False


@dataclass(frozen=True)
class Server:
    url: str
    pid: int

    def cpu_s(self) -> float:
        """User and system CPU of the server process so far, all its threads."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def listening_server(whisper_dir: Path, scratch: Path) -> Iterator[Server]:
    """app.py with faster-whisper on `whisper_dir`, once /readyz says the model is loaded."""
    from tests.e2e.conftest import app_environment, running_streamlit

    env = app_environment(
        {"SPEECH_ENGINE": "faster-whisper", "WHISPER_MODEL": str(whisper_dir), "MODEL_DEVICE": "cpu",
         "MODEL_THREADS": "2", "CAPTION_ENGINE": "replicate", "REPLICATE_API_TOKEN": "r8_bench"},
        scratch / "data",
    )  # fmt: skip
    with running_streamlit(env, scratch / "app", scratch / "streamlit.log") as server:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not _speech_ready(server.url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server's speech model was not ready:\n{server.log_tail()}")
            time.sleep(0.5)
        yield Server(server.url, server.process.pid)


def _speech_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as answer:
            return bool(json.loads(answer.read())["parts"]["speech_model"]["ready"])
    except Exception:  # 503 while loading, or not listening yet
        return False


def stream(server: Server, samples: np.ndarray, stop_at_s: float, frame_s: float) -> Streamed:
    """Send `samples` over /listen in real time until `stop_at_s`, then Stop; every message timed on arrival."""
    from websockets.sync.client import connect

    streamed = Streamed()
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    frame = int(frame_s * 16_000) * 2
    final: dict[str, object] = {}
    socket = connect(f"ws{server.url.removeprefix('http')}/listen", additional_headers={"Origin": server.url})
    started = time.perf_counter()

    def read() -> None:
        for raw in socket:
            message = json.loads(raw)
            if message["type"] == "partial":
                words = f"{message['confirmed']} {message['tentative']}".strip()
                streamed.partials.append((time.perf_counter() - started, float(message["heard_s"]), words))
            else:
                final.update(message, arrived=time.perf_counter())
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for index, offset in enumerate(range(0, int(stop_at_s * 16_000) * 2, frame)):
        if (left := started + (index + 1) * frame_s - time.perf_counter()) > 0:
            time.sleep(left)
        socket.send(pcm[offset : offset + frame])
    stopped = time.perf_counter()
    socket.send(json.dumps({"type": "stop"}))
    reader.join(timeout=300)
    socket.close()
    if "arrived" not in final:
        raise RuntimeError("/listen sent no final message within 300 s of Stop")
    streamed.stop_to_final_ms = (float(final["arrived"]) - stopped) * 1000  # type: ignore[arg-type]
    streamed.final_text, streamed.decoded_at_stop = str(final["text"]), bool(final["decoded_at_stop"])
    return streamed


def server_against_process(transcriber: Any, clips: list[dict[str, str]], scratch: Path) -> list[dict[str, Any]]:
    """Each clip streamed into a session here and over /listen to app.py, in turn (who goes first alternates)."""
    from bench.bench_listen import (
        FRAME_S,
        STOP_AFTER_SPEECH_S,
        _cpu_s,
        _onset_s,
        _speech_end_s,
        _spoken,
        _timings,
        play,
    )
    from core.speech.streaming import StreamingSession
    from core.speech.voice_activity import default_detector
    from tests.fixtures.whisper_base import faster_whisper_base_dir

    rows: list[dict[str, Any]] = []
    with listening_server(faster_whisper_base_dir(), scratch / "server") as server:
        for round_index in range(SIDE_BY_SIDE_ROUNDS):
            for clip_index, clip in enumerate(clips):
                samples = _spoken(clip)
                speech_end, onset = _speech_end_s(samples), _onset_s(samples)
                stop_at = min(len(samples) / 16_000, speech_end + STOP_AFTER_SPEECH_S)
                sides: dict[str, dict[str, Any]] = {}
                for side in ("process", "server") if (round_index + clip_index) % 2 == 0 else ("server", "process"):
                    if side == "server":
                        before = server.cpu_s()
                        heard = stream(server, samples, stop_at, FRAME_S)
                        partials, stop_ms, cpu = heard.partials, heard.stop_to_final_ms, server.cpu_s() - before
                    else:
                        session = StreamingSession(transcriber, max_seconds=300, detector=default_detector())
                        before = _cpu_s()
                        played = play(session, samples, speech_end)
                        partials, stop_ms, cpu = played.partials, played.stop_to_final_ms, _cpu_s() - before
                    timings = _timings(partials, onset, stop_ms)
                    sides[side] = {f"{side}_{key}": timings[key] for key in SIDE_BY_SIDE_KEYS}
                    sides[side][f"{side}_cpu_s"] = round(cpu, 2)
                # One key order whoever went first, so `python -m bench` prints these rows as one table.
                rows.append({"benchmark": "listen_server_vs_process", "clip": clip["name"], **sides["process"],
                             **sides["server"]})  # fmt: skip
    return rows


def side_by_side_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {"benchmark": "listen_server_vs_process_summary", "pairs": len(rows)}
    for key in (*SIDE_BY_SIDE_KEYS, "cpu_s"):
        for side in ("process", "server"):
            values = [row[f"{side}_{key}"] for row in rows if row[f"{side}_{key}"] is not None]
            summary[f"{side}_{key}"] = round(statistics.median(values), 2) if values else None
    process, server = summary["process_stop_to_final_ms"], summary["server_stop_to_final_ms"]
    summary["server_over_process_stop_to_final"] = round(server / process, 2) if process and server else None
    summary["load_average_1min"] = round(os.getloadavg()[0], 1)
    return summary
