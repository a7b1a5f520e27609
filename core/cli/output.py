"""What every command shares: one JSON line out, a file read in with a message a person can act on."""

from __future__ import annotations

import json
from pathlib import Path

from core.domain.errors import InputError


def emit(obj: object) -> None:
    """One JSON line on stdout; flushed, so a pipe sees each result as it is made."""
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"No such file: {path}. Check the path and try again.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
