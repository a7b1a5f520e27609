"""A private S3-compatible bucket (DigitalOcean Spaces, or any S3 endpoint) through boto3."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from core.config.settings import SpacesSettings
from core.domain.errors import StorageError
from core.domain.ports import StoredObject

# Keys are fresh UUIDs, so an object never changes: browsers may keep it for a year.
CACHE_CONTROL = "private, max-age=31536000, immutable"
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
MAX_ATTEMPTS = 3
_DENIED_CODES = {
    "403",
    "AccessDenied",
    "AllAccessDisabled",
    "Forbidden",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
    "ExpiredToken",
}
_WRONG_REGION_CODES = {"301", "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException"}


def _botocore_session() -> Any:
    """A new botocore session that reads botocore's service descriptions through one loader per process.

    Each fresh session would read and parse S3's description again: 0.1-0.3 s of CPU a client, against 0.03 s.
    """
    import botocore.session

    session = botocore.session.get_session()
    session.register_component("data_loader", _service_descriptions())
    return session


@functools.cache
def _service_descriptions() -> Any:
    from botocore.loaders import create_loader

    return create_loader()


class SpacesStore:
    """Objects in a private bucket on any S3-compatible endpoint; browsers get presigned URLs."""

    def __init__(self, settings: SpacesSettings, *, client: Any = None) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self._client = client if client is not None else self._build_client(settings)

    @staticmethod
    def _build_client(settings: SpacesSettings) -> Any:
        import boto3  # imported here: only Spaces users pay its import time
        from botocore.config import Config

        config = Config(
            signature_version="s3v4",
            connect_timeout=CONNECT_TIMEOUT_S,
            read_timeout=READ_TIMEOUT_S,
            retries={"max_attempts": MAX_ATTEMPTS, "mode": "standard"},
            # Newer botocore adds CRC checksums by default, which some S3-compatible services reject.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        try:
            # A session of our own: boto3's default session is shared and not thread-safe to create.
            return boto3.session.Session(botocore_session=_botocore_session()).client(
                "s3",
                endpoint_url=settings.endpoint,
                region_name=settings.region,
                aws_access_key_id=settings.key,
                aws_secret_access_key=settings.secret.reveal(),
                config=config,
            )
        except ValueError as exc:  # botocore refuses malformed endpoint URLs here
            raise StorageError(
                f"SPACES_ENDPOINT {settings.endpoint!r} is not a usable URL: "
                "set it like https://nyc3.digitaloceanspaces.com."
            ) from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # No ACL header: objects are private by default, and some providers refuse explicit ACLs.
        self._call(
            "upload",
            key,
            "put_object",
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            CacheControl=CACHE_CONTROL,
        )

    def get(self, key: str) -> bytes:
        response = self._call("download", key, "get_object", Bucket=self.bucket, Key=key)
        try:
            data: bytes = response["Body"].read()
            return data
        except Exception as exc:
            raise self._translate(exc, "download", key) from exc

    def delete(self, key: str) -> None:
        # S3 answers 204 for a key that is not there, so deleting twice is fine.
        self._call("delete", key, "delete_object", Bucket=self.bucket, Key=key)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._translate(exc, "look up", key) from exc
        except Exception as exc:
            raise self._translate(exc, "look up", key) from exc
        return True

    def url(self, key: str, ttl_s: int) -> str:
        """A presigned GET URL; signing happens locally, without a request."""
        url: str = self._call(
            "sign a URL for",
            key,
            "generate_presigned_url",
            "get_object",
            Params={"Bucket": self.bucket, "Key": key},
            ExpiresIn=int(ttl_s),
        )
        return url

    def check(self) -> str:
        self._call("check", None, "head_bucket", Bucket=self.bucket)
        return f"Spaces bucket '{self.bucket}' at {self.settings.endpoint}"

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        pages = self._call("list", None, "get_paginator", "list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        try:
            for page in pages:  # 1000 keys per request
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"], item["LastModified"], int(item["Size"]))
        except Exception as exc:
            raise self._translate(exc, "list", None) from exc

    def _call(self, action: str, key: str | None, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, method)(*args, **kwargs)
        except Exception as exc:
            raise self._translate(exc, action, key) from exc

    def _translate(self, exc: Exception, action: str, key: str | None) -> StorageError:
        """A StorageError saying which setting to fix; built from our own words, never the secret."""
        from botocore import exceptions as boto

        where = f"bucket '{self.bucket}' at {self.settings.endpoint}"
        subject = f"'{key}' in {where}" if key else where
        if isinstance(exc, boto.ClientError):
            code = _error_code(exc)
            if code == "NoSuchBucket" or (code in ("404", "NotFound") and key is None):
                return StorageError(f"The {where} does not exist: create it, or fix SPACES_BUCKET.")
            if code in ("NoSuchKey", "404", "NotFound"):
                return StorageError(
                    f"Could not {action} {subject}: the object is not there (it may have been deleted)."
                )
            if code in _DENIED_CODES:
                return StorageError(
                    f"Spaces refused access to {where} ({code}): check SPACES_KEY and SPACES_SECRET, "
                    "and that the key may use this bucket."
                )
            if code in _WRONG_REGION_CODES:
                return StorageError(
                    f"The {where} is in another region ({code}): check SPACES_REGION and SPACES_ENDPOINT."
                )
            return StorageError(f"Could not {action} {subject}: Spaces answered {code}. Try again in a moment.")
        if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
            return StorageError("Spaces credentials are missing: set SPACES_KEY and SPACES_SECRET.")
        if isinstance(exc, boto.ParamValidationError):
            return StorageError(
                f"Could not {action} {subject}: the request was refused before sending; check that SPACES_BUCKET "
                "is a valid bucket name (lowercase letters, digits, dots and hyphens)."
            )
        if isinstance(exc, boto.ReadTimeoutError):
            return StorageError(
                f"Spaces at {self.settings.endpoint} did not answer within {READ_TIMEOUT_S} s: try again, "
                "or check SPACES_ENDPOINT."
            )
        # botocore.ConnectionError: refused, unresolvable, TLS failure, connect timeout; HTTPClientError: cut off.
        if isinstance(exc, boto.ConnectionError | boto.HTTPClientError):
            return StorageError(
                f"Cannot reach Spaces at {self.settings.endpoint}: check SPACES_ENDPOINT (and SPACES_REGION) "
                "and the network connection."
            )
        return StorageError(f"Could not {action} {subject} ({type(exc).__name__}): try again in a moment.")


def _error_code(exc: Any) -> str:
    error = exc.response.get("Error", {}) if hasattr(exc, "response") else {}
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") if hasattr(exc, "response") else None
    return str(error.get("Code") or status or "unknown")
