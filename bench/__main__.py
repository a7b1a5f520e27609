"""`python -m bench`: run every benchmark side by side in one process tree; write a table and JSON."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _suites() -> dict[str, Callable[[], list[dict]]]:
    from bench import (
        bench_app,
        bench_captions,
        bench_create_profile,
        bench_edit,
        bench_first_click,
        bench_first_view,
        bench_generate_browser,
        bench_history,
        bench_history_page,
        bench_images_first,
        bench_listen,
        bench_load,
        bench_meaning,
        bench_models,
        bench_processes,
        bench_prompts,
        bench_remote,
        bench_speech_accuracy,
        bench_storage,
        bench_studio,
    )

    return {
        "app": bench_app.run,
        "models": bench_models.run,
        "captions": bench_captions.run,
        "processes": bench_processes.run,
        "create_profile": bench_create_profile.run,
        "speech_accuracy": bench_speech_accuracy.run,
        "images_first": bench_images_first.run,
        "first_click": bench_first_click.run,
        "storage": bench_storage.run_with_own_server,
        "history": lambda: bench_history.run(PG_ADMIN_URL),
        "history_page": bench_history_page.run,
        "first_view": bench_first_view.run,
        "generate_browser": bench_generate_browser.run,
        "remote": bench_remote.run,
        "edit": bench_edit.run,
        "prompts": bench_prompts.run,
        "load": bench_load.run,
        "listen": bench_listen.run,
        "meaning": bench_meaning.run,
        "studio": bench_studio.run,
    }


def markdown_tables(rows: list[dict]) -> str:
    """One table per kind of row (rows sharing their columns), so each table stays narrow."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    return "\n\n".join(_table(list(columns), group) for columns, group in groups.items())


def _table(columns: list[str], rows: list[dict]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value).replace("|", "/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("suites", nargs="*", help="which suites to run (default: all)")
    args = parser.parse_args(argv)
    suites = _suites()
    chosen = args.suites or list(suites)
    report: dict[str, object] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "suites": {},
    }
    sections = []
    for name in chosen:
        started = time.perf_counter()
        print(f"running {name}...", file=sys.stderr, flush=True)
        rows = suites[name]()
        report["suites"][name] = rows  # type: ignore[index]
        sections.append(f"## {name} ({time.perf_counter() - started:.0f} s)\n\n{markdown_tables(rows)}\n")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    table = f"# Benchmarks, {report['when']}\n\n" + "\n".join(sections)
    (RESULTS / "latest.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
