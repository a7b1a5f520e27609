"""Images as files under one folder (DATA_DIR/images), the embedded default."""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from core.domain.errors import StorageError
from core.domain.ports import StoredObject, content_type_for


class LocalStore:
    """Objects as files under one folder; browsers get `data:` URLs."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write beside the target, then rename: readers never see half a file.
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise StorageError(
                f"Could not save '{key}' under {self.root} ({exc.strerror or type(exc).__name__}): "
                "check that DATA_DIR is writable and the disk is not full."
            ) from exc

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StorageError(
                f"Could not read '{key}' under {self.root}: the file is not there (it may have been deleted)."
            ) from None
        except OSError as exc:
            raise StorageError(
                f"Could not read '{key}' under {self.root} ({exc.strerror or type(exc).__name__}): "
                "check the folder's permissions."
            ) from exc

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(
                f"Could not delete '{key}' under {self.root} ({exc.strerror or type(exc).__name__}): "
                "check the folder's permissions."
            ) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def url(self, key: str, ttl_s: int) -> str:
        """A `data:` URL holding the whole file; it never expires, so `ttl_s` does not apply."""
        encoded = base64.b64encode(self.get(key)).decode("ascii")
        return f"data:{content_type_for(key)};base64,{encoded}"

    def check(self) -> str:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root):
                pass
        except OSError as exc:
            raise StorageError(
                f"Cannot write images to {self.root} ({exc.strerror or type(exc).__name__}): "
                "make DATA_DIR a writable folder, or set the SPACES_* variables."
            ) from exc
        return f"local folder {self.root}"

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        folder = self.root / prefix
        if not folder.is_dir():
            return
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                stat = path.stat()
                key = path.relative_to(self.root).as_posix()
                yield StoredObject(key, datetime.fromtimestamp(stat.st_mtime, UTC), stat.st_size)

    def _path(self, key: str) -> Path:
        """The file for `key`, refusing keys that would land outside the root."""
        parts = PurePosixPath(key).parts
        if (
            not parts
            or key.startswith("/")
            or key.endswith("/")
            or "\\" in key
            or "\x00" in key
            or any(part in (".", "..") for part in parts)
        ):
            raise StorageError(
                f"Refused storage key {key[:80]!r}: keys must be relative paths inside the images folder."
            )
        root = self.root.resolve()
        path = (root / Path(*parts)).resolve()
        if not path.is_relative_to(root):  # a symlink inside the root pointing elsewhere
            raise StorageError(f"Refused storage key {key[:80]!r}: it leads outside the images folder.")
        return path
