"""Search by meaning on the command line: `history --meaning TEXT`, `history --like ID` and `reindex`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING

from core.app import meaning
from core.cli import gallery as gallery_cli
from core.cli.output import emit
from core.domain.errors import InputError

if TYPE_CHECKING:
    from core.app.services import Services


def add_meaning_options(history: argparse.ArgumentParser) -> None:
    """`history`'s ranked modes; every filter still applies (--search then requires its words)."""
    ranked = history.add_mutually_exclusive_group()
    ranked.add_argument("--meaning", metavar="TEXT", help="most similar in meaning first, exact words still counted")
    ranked.add_argument("--like", type=int, metavar="ID", help="the records most like record ID (itself left out)")


RANKED_LIMIT = 50  # records a `history --meaning/--like` lists when --limit is not given


def add_reindex_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reindex = commands.add_parser("reindex", help="make the search vectors records lack for EMBEDDING_MODEL")
    reindex.add_argument("--batch", type=_batch, default=meaning.REINDEX_BATCH, help="texts per model call (64)")


def ranked_history(args: argparse.Namespace, services: Services) -> int | None:
    """Run `history --meaning/--like` (JSON lines with `score`); None when neither was asked for."""
    if args.meaning is None and args.like is None:
        return None
    if args.oldest_first or args.offset:
        raise InputError("--oldest-first and --offset do not apply to a ranked list: leave them out.")
    if args.family is not None:
        raise InputError("--family does not combine with --meaning or --like: leave one of them out.")
    # A ranking has no natural end (every record is somewhat alike): without --limit, the best RANKED_LIMIT.
    limit = RANKED_LIMIT if args.limit is None else args.limit
    query = gallery_cli.history_query(args, limit=limit)
    if args.meaning is not None:
        found = meaning.search_by_meaning(
            services.records, services.vectors, services.embedder, text=args.meaning, query=query, limit=limit
        )
    else:
        found = meaning.more_like_this(
            services.records, services.vectors, services.embedder, record_id=args.like, query=query, limit=limit
        )
    for item in found:
        emit(item.to_json())
    return 0


def _reindex(args: argparse.Namespace, services: Services) -> int:
    embedder = services.embedder()
    started = time.monotonic()
    embedded = waiting = 0
    for progress in meaning.reindex(services.vectors, embedder, batch=args.batch):
        embedded, waiting = progress.embedded, progress.waiting
        print(f"reindex: {embedded}/{waiting} records embedded", file=sys.stderr, flush=True)
    seconds = time.monotonic() - started
    summary = {
        "model": embedder.model_id,
        "embedded": embedded,
        "still_waiting": meaning.waiting_count(services.vectors, embedder.model_id),
        "seconds": round(seconds, 3),
        "records_per_second": round(embedded / seconds, 1) if embedded and seconds > 0 else None,
    }
    print(json.dumps(summary), flush=True)
    return 0


def _batch(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 1024:
        raise argparse.ArgumentTypeError("must be 1 to 1024")
    return value


HANDLERS = {"reindex": _reindex}
