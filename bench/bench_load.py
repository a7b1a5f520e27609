"""Load on one server: 1, 5, 10 and 20 sessions at once, each creating one image through app.py.

Remote mode (speech, image and caption on Replicate, here the local fake, so latency is the app's own
work: sessions, reruns, uploads, HTTP to Replicate, storage, the database), one `streamlit run app.py`
replica per kind of client, each kind in turn at each level (bench/load_clients.py): real Chromium
contexts, and sessions of Streamlit's agent API, which drive the same script without a browser's cost on
the shared cores. Each session opens Create and clicks "Do it all"; latency runs from that click to the
first image and to "Saved as #N". Reported per level and kind: p50 and p95 of both and their ratio to a
lone session's, errors, lost saves (sessions told "Saved" without a row, or rows without a session,
counted in the database), the server's RSS and its CPU time. Goal (issue 17): 20 sessions with p95 from
click to image under 3x a lone session, zero errors, zero lost saves.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.bench_remote import _free_port, _peak_rss_mb, _rss_mb, _wait_healthy
from bench.load_clients import CLIENTS, Outcome

ROOT = Path(__file__).resolve().parents[1]
LEVELS = (1, 5, 10, 20)
# A lone session is measured this many times, one after another: with results polled every 0.5 s, one create
# is either done within its click's own rerun or caught by a later poll, so a single sample is a coin toss.
LONE_RUNS = 10
KINDS = tuple(CLIENTS)


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    database: Path
    idle_rss_mb: float


def run(levels: tuple[int, ...] = LEVELS, kinds: tuple[str, ...] = KINDS) -> list[dict[str, Any]]:
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, fake_server = start_fake_replicate()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch, ExitStack() as stack:
            # One server per kind, both started before the first level: each level runs one kind and then the
            # other, so both see the same moment of a shared machine, and each server's RSS is its own.
            servers = {kind: stack.enter_context(_server(Path(scratch) / kind, fake)) for kind in kinds}
            for kind, server in servers.items():
                # One create first, not counted: the lone session then measures a warm server, as the others do.
                asyncio.run(CLIENTS[kind](server.url, 1))
            rows = [_level(kind, servers[kind], sessions) for sessions in levels for kind in kinds]
            for kind, server in servers.items():
                [row for row in rows if row["client"] == kind][-1]["peak_rss_mb"] = _peak_rss_mb(server.pid)
    finally:
        fake_server.shutdown()
        fake_server.server_close()
    for kind in kinds:
        own = [row for row in rows if row["client"] == kind]
        for measure in ("image", "saved"):
            lone = own[0][f"{measure}_p95_s"]
            for row in own:
                p95 = row[f"{measure}_p95_s"]
                row[f"{measure}_p95_vs_lone"] = round(p95 / lone, 2) if lone and p95 else None
    return rows


@contextmanager
def _server(scratch: Path, fake: Any) -> Iterator[Server]:
    scratch.mkdir(parents=True)
    env = {
        **os.environ,
        "DATA_DIR": str(scratch / "data"),
        "SPEECH_ENGINE": "replicate",
        "CAPTION_ENGINE": "replicate",
        "REPLICATE_API_TOKEN": fake.token,
        "REPLICATE_BASE_URL": fake.base_url,
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    subprocess.run([python, "-m", "core", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    (scratch / "secrets.toml").write_text("")
    port = _free_port()
    command = [
        python, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        "--secrets.files", str(scratch / "secrets.toml"),
        # On for both servers, so they differ only in their clients; no APP_PASSWORD, so the gate is open.
        "--server.enableAgentApi", "true",
    ]  # fmt: skip
    with (scratch / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, process)
            yield Server(url, process.pid, scratch / "data" / "app.db", _rss_mb(process.pid))
        finally:
            process.terminate()
            process.wait(timeout=30)


def _level(kind: str, server: Server, sessions: int) -> dict[str, Any]:
    before, cpu_before = _row_count(server.database), _cpu_s(server.pid)
    outcomes = [
        outcome
        for _ in range(LONE_RUNS if sessions == 1 else 1)
        for outcome in asyncio.run(CLIENTS[kind](server.url, sessions))
    ]
    saved = _row_count(server.database) - before
    row = _row(kind, sessions, outcomes, saved, server.idle_rss_mb, _rss_mb(server.pid))
    # The server's own CPU time for the level (opening the sessions included): on a shared 2-core box, what the
    # clients did not use. Per create, so the lone level's five runs compare with the others.
    row["server_cpu_s"] = round(_cpu_s(server.pid) - cpu_before, 2)
    row["server_cpu_ms_per_create"] = round(1000 * row["server_cpu_s"] / len(outcomes))
    print(row, file=sys.stderr, flush=True)
    return row


def _row(kind: str, sessions: int, outcomes: list[Outcome], saved: int, idle: float, rss: float) -> dict[str, Any]:
    timings = [outcome for outcome in outcomes if isinstance(outcome, tuple)]
    errors = [repr(outcome) for outcome in outcomes if not isinstance(outcome, tuple)]
    to_image = sorted(timing[0] for timing in timings)
    to_saved = sorted(timing[1] for timing in timings)
    return {
        "client": kind,
        "sessions": sessions,
        "creates": len(outcomes),
        "image_p50_s": _rounded(statistics.median(to_image) if to_image else None),
        "image_p95_s": _rounded(_percentile(to_image, 0.95)),
        "saved_p50_s": _rounded(statistics.median(to_saved) if to_saved else None),
        "saved_p95_s": _rounded(_percentile(to_saved, 0.95)),
        "max_s": _rounded(to_saved[-1] if to_saved else None),
        "errors": len(errors),
        "first_error": errors[0][:160] if errors else "",
        "lost_saves": abs(saved - len(timings)),
        "idle_rss_mb": idle,
        "rss_after_mb": rss,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: with 20 samples, p95 is the 19th."""
    if not ordered:
        return None
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of the server process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _row_count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM image_records").fetchone()[0])


if __name__ == "__main__":
    import json

    sys.path.insert(0, str(ROOT))
    arguments = sys.argv[1:]
    chosen_kinds = tuple(a for a in arguments if a in CLIENTS) or KINDS
    chosen = tuple(int(a) for a in arguments if a not in CLIENTS) or LEVELS
    print(json.dumps(run(chosen, chosen_kinds), indent=2))
