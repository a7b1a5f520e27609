"""The team-gallery commands of `python -m core`: history filters, star, tag, delete and export --zip."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from core.app import gallery
from core.app.export import CSV_ROW_CAP, history_zip
from core.domain.errors import InputError
from core.domain.ids import parse_image_id
from core.domain.records import HistoryQuery, normalize_creator

if TYPE_CHECKING:
    from core.app.services import Services

FAILURE = 1


def add_history_filters(parser: argparse.ArgumentParser) -> None:
    """The filters `history` and `export` share beyond words and dates."""
    parser.add_argument("--starred", action="store_true", help="only starred records")
    parser.add_argument("--tag", action="append", default=[], metavar="NAME", help="has this tag (repeat: all must)")
    parser.add_argument("--by", metavar="WHO", help="made by this person (exact name or email)")
    parser.add_argument("--family", type=image_id, metavar="ID", help="the whole family of edits of ID, from any one")


def add_gallery_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    star = commands.add_parser("star", help="star records (or unstar them with --off)")
    star.add_argument("ids", nargs="+", type=image_id, metavar="ID")
    star.add_argument("--off", action="store_true", help="remove the star instead")

    tag = commands.add_parser("tag", help="add tags to records or remove them")
    tag.add_argument("ids", nargs="+", type=image_id, metavar="ID")
    change = tag.add_mutually_exclusive_group(required=True)
    change.add_argument("--add", nargs="+", action="extend", metavar="NAME", help="repeat freely: every one applies")
    change.add_argument("--remove", nargs="+", action="extend", metavar="NAME")

    delete = commands.add_parser("delete", help="delete records with their images and thumbnails, for good")
    delete.add_argument("ids", nargs="+", type=image_id, metavar="ID")
    delete.add_argument("--yes", action="store_true", help="confirm: there is no undo")

    export = commands.add_parser("export", help="write matching images and records.csv into a ZIP file")
    export.add_argument("--zip", type=Path, required=True, metavar="PATH")
    export.add_argument("--force", action="store_true", help="replace PATH if it exists")
    export.add_argument("--search", help="words that must appear in prompt, caption or transcript")
    export.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    export.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD")
    export.add_argument("--limit", type=_positive, default=CSV_ROW_CAP, help=f"at most N records ({CSV_ROW_CAP})")
    add_history_filters(export)


def history_query(args: argparse.Namespace, *, limit: int, offset: int = 0) -> HistoryQuery:
    if args.since and args.until and args.since > args.until:
        raise InputError("--since is after --until: swap the dates.")
    by = normalize_creator(args.by)
    if args.by is not None and by is None:  # only spaces or invisible characters: not "anyone"
        raise InputError(f"--by {args.by!a} names nobody: give a name or an email as shown in History.")
    return HistoryQuery(
        search=args.search,
        since=args.since,
        until=args.until,
        newest_first=not getattr(args, "oldest_first", False),
        limit=limit,
        offset=offset,
        starred=args.starred,
        tags=tuple(args.tag),
        created_by=by,
        family=getattr(args, "family", None),
    )


def creator(args: argparse.Namespace) -> str | None:
    """Who `create` saves as: --by, else the operating-system user."""
    if args.by is not None:
        return normalize_creator(args.by)
    try:
        return normalize_creator(getpass.getuser())
    except (OSError, KeyError):  # no user name in this environment (some containers)
        return None


def _star(args: argparse.Namespace, services: Services) -> int:
    ids = _existing(args.ids, services)
    gallery.star(services.records, record_ids=ids, starred=not args.off)
    _print_records(ids, services)
    return 0


def _tag(args: argparse.Namespace, services: Services) -> int:
    ids = _existing(args.ids, services)
    if args.add:
        gallery.add_tags(services.records, record_ids=ids, tags=args.add)
    else:
        gallery.remove_tags(services.records, record_ids=ids, tags=args.remove)
    _print_records(ids, services)
    return 0


def _delete(args: argparse.Namespace, services: Services) -> int:
    if not args.yes:
        raise InputError("delete removes the records, their images and thumbnails for good: add --yes to confirm.")
    outcome = gallery.delete_records(services.store, services.records, _existing(args.ids, services))
    # "missing": checked a moment ago, but another call deleted them first; this call deleted only "deleted".
    _emit({"deleted": sorted(outcome.deleted), "kept": sorted(outcome.kept), "missing": sorted(outcome.missing)})
    return FAILURE if outcome.kept else 0


def _export(args: argparse.Namespace, services: Services) -> int:
    query = history_query(args, limit=1)
    target: Path = args.zip
    if target.is_dir():
        raise InputError(f"{target} is a folder: give a file name such as {target / 'history.zip'}.")
    if not target.parent.is_dir():
        raise InputError(f"The folder {target.parent} does not exist: create it or choose another path.")
    if target.exists() and not args.force:
        raise InputError(f"{target} already exists: add --force to replace it, or choose another path.")
    # Written beside the target and renamed at the end, so a failure never leaves half a ZIP under its name.
    handle, partial = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as out:
            summary = history_zip(reader=services.records, store=services.store, query=query, out=out, cap=args.limit)
        os.replace(partial, target)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    _emit({"zip": str(target), "records": summary.records, "images": summary.images, "missing": summary.missing})
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace, Services], int]] = {
    "star": _star,
    "tag": _tag,
    "delete": _delete,
    "export": _export,
}


def _existing(ids: list[int], services: Services) -> list[int]:
    """The ids, once each, after checking every one exists: nothing changes when one is wrong."""
    if missing := gallery.missing_ids(services.records, ids):
        listed = ", ".join(f"#{record_id}" for record_id in missing)
        raise InputError(f"There is no image {listed}: check `python -m core history`. Nothing was changed.")
    return sorted(set(ids))


def _print_records(ids: list[int], services: Services) -> None:
    for record in gallery.get_records(services.records, ids):
        _emit(record.to_json())


def _emit(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def image_id(text: str) -> int:
    """An ID argument, read by the one id parser: a bad one is argparse's usage error (exit 2), never the database's."""
    try:
        return parse_image_id(text)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
