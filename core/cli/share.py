"""`python -m core share ID... [--expires 7d] | share --list [ID] | share --revoke URL_OR_TOKEN`."""

from __future__ import annotations

import argparse
import getpass
import json
from typing import TYPE_CHECKING

from core.app import sharing
from core.domain.errors import InputError, InvalidSetting
from core.domain.ids import parse_image_id
from core.domain.records import normalize_creator
from core.domain.sharing import DEFAULT_EXPIRY, MAX_EXPIRY, MAX_SHARED_IMAGES, parse_expiry

if TYPE_CHECKING:
    from core.app.services import Services


def add_share_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    share = commands.add_parser("share", help="a link that shows 1-4 images to people without the password")
    share.add_argument("ids", nargs="*", metavar="ID", help=f"1 to {MAX_SHARED_IMAGES} image ids, shown in this order")
    share.add_argument(
        "--expires", default=DEFAULT_EXPIRY, metavar="DURATION", help=f"30m, 12h, 7d... up to {MAX_EXPIRY.days}d"
    )
    share.add_argument("--by", metavar="WHO", help="who made the link (default: the operating-system user)")
    action = share.add_mutually_exclusive_group()
    action.add_argument("--list", action="store_true", help="print the live links (of ID, when given), with views")
    action.add_argument("--revoke", metavar="URL_OR_TOKEN", help="end one link")


def refuse_without_app_url(args: argparse.Namespace, app_url: str | None) -> None:
    """A new link needs APP_URL: said (exit 2) before the database is even opened."""
    if not args.list and args.revoke is None and not app_url:
        raise InvalidSetting(sharing.NO_APP_URL)


def run_share(args: argparse.Namespace, services: Services) -> int:
    if args.revoke is not None:
        if args.ids:
            raise InputError("share --revoke takes a link or a token, no ids.")
        sharing.revoke_link(services.shares, args.revoke)
        _emit({"revoked": True})
        return 0
    ids = [parse_image_id(text) for text in args.ids]
    if args.list:
        if len(ids) > 1:
            raise InputError("share --list takes at most one id: the image whose links to list.")
        for link in sharing.live_links(services.shares, record_id=ids[0] if ids else None):
            _emit(sharing.link_json(link))
        return 0
    if not ids:
        raise InputError(f"Name 1 to {MAX_SHARED_IMAGES} image ids to share, e.g. `python -m core share 12`.")
    made = sharing.create_link(
        services.shares,
        services.records,
        record_ids=ids,
        expires_in=parse_expiry(args.expires),
        app_url=services.settings.app_url,
        created_by=_creator(args.by),
    )
    _emit(made.to_json())
    return 0


def _creator(by: str | None) -> str | None:
    if by is not None:
        return normalize_creator(by)
    try:
        return normalize_creator(getpass.getuser())
    except (OSError, KeyError):  # no user name in this environment (some containers)
        return None


def _emit(obj: object) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)
