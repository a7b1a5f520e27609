"""Image stores against real things: a temporary folder, and moto's S3 server over HTTP."""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from core.app.services import build_image_store
from core.config.settings import Secret, SpacesSettings, load_settings
from core.domain.errors import StorageError
from core.domain.ports import content_type_for
from core.storage.local import LocalStore
from core.storage.spaces import CACHE_CONTROL, SpacesStore
from tests.fixtures.s3 import moto_auth, s3_client, spaces_env

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
WEBP_BYTES = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x01" * 5000


def fetch(url: str) -> tuple[int, str | None, bytes]:
    """GET without any AWS signing, as a browser would."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def closed_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---- LocalStore ---------------------------------------------------------------------------------


def test_local_store_round_trips_bytes_under_nested_keys(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "images")

    store.put("images/abc.png", PNG_BYTES, "image/png")

    assert store.get("images/abc.png") == PNG_BYTES
    assert (tmp_path / "images" / "images" / "abc.png").read_bytes() == PNG_BYTES
    assert store.exists("images/abc.png")
    assert not store.exists("images/other.png")


def test_local_store_leaves_no_temporary_files_and_overwrites_whole(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)

    store.put("thumbnails/a.webp", WEBP_BYTES, "image/webp")
    store.put("thumbnails/a.webp", b"second", "image/webp")

    assert sorted(p.name for p in (tmp_path / "thumbnails").iterdir()) == ["a.webp"]
    assert store.get("thumbnails/a.webp") == b"second"


def test_local_store_delete_is_idempotent(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    store.put("images/a.png", PNG_BYTES, "image/png")

    store.delete("images/a.png")
    store.delete("images/a.png")

    assert not store.exists("images/a.png")
    with pytest.raises(StorageError, match="not there"):
        store.get("images/a.png")


@pytest.mark.parametrize(
    "key",
    [
        "../outside.png",
        "images/../../outside.png",
        "/etc/passwd",
        "..",
        ".",
        "",
        "images/",
        "a\\..\\b.png",
        "a\x00.png",
    ],
)
def test_local_store_refuses_keys_that_escape_its_folder(tmp_path: Path, key: str) -> None:
    store = LocalStore(tmp_path / "root")

    for attempt in (
        lambda: store.put(key, b"x", "image/png"),
        lambda: store.get(key),
        lambda: store.delete(key),
        lambda: store.exists(key),
    ):
        with pytest.raises(StorageError, match="Refused storage key"):
            attempt()
    assert not (tmp_path / "outside.png").exists()


def test_local_store_refuses_a_symlink_that_leads_out_of_its_folder(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "root" / "images").symlink_to(tmp_path / "elsewhere")
    store = LocalStore(tmp_path / "root")

    with pytest.raises(StorageError, match="outside the images folder"):
        store.put("images/a.png", b"x", "image/png")
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize(
    ("key", "content_type", "data"),
    [("thumbnails/a.webp", "image/webp", WEBP_BYTES), ("images/a.png", "image/png", PNG_BYTES)],
)
def test_local_store_data_url_decodes_to_the_stored_bytes(
    tmp_path: Path, key: str, content_type: str, data: bytes
) -> None:
    store = LocalStore(tmp_path)
    store.put(key, data, content_type)

    header, _, payload = store.url(key, ttl_s=60).partition(",")

    assert header == f"data:{content_type};base64"
    assert base64.b64decode(payload) == data


def test_content_type_follows_the_key_extension() -> None:
    assert content_type_for("images/a.jpg") == "image/jpeg"
    assert content_type_for("images/a.JPEG") == "image/jpeg"
    assert content_type_for("images/a.bin") == "application/octet-stream"


def test_local_store_check_creates_its_folder(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "data" / "images")

    assert store.check() == f"local folder {tmp_path / 'data' / 'images'}"
    assert (tmp_path / "data" / "images").is_dir()


def test_local_store_check_names_data_dir_when_the_folder_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the folder should be")
    store = LocalStore(tmp_path / "data" / "images")

    with pytest.raises(StorageError, match="DATA_DIR"):
        store.check()
    with pytest.raises(StorageError, match="DATA_DIR"):
        store.put("images/a.png", PNG_BYTES, "image/png")


def test_build_image_store_uses_the_data_folder_without_spaces_settings(tmp_path: Path) -> None:
    store = build_image_store(load_settings({"DATA_DIR": str(tmp_path)}, dotenv_path=None))

    assert isinstance(store, LocalStore)
    assert store.root == tmp_path / "images"


# ---- SpacesStore against moto -------------------------------------------------------------------


def test_build_image_store_uses_spaces_when_spaces_variables_are_set(spaces_settings: SpacesSettings) -> None:
    store = build_image_store(load_settings(spaces_env(spaces_settings), dotenv_path=None))

    assert isinstance(store, SpacesStore)
    assert store.check() == f"Spaces bucket '{spaces_settings.bucket}' at {spaces_settings.endpoint}"


def test_spaces_store_round_trips_bytes_with_type_and_long_cache_control(spaces_settings: SpacesSettings) -> None:
    store = SpacesStore(spaces_settings)

    store.put("images/a.png", PNG_BYTES, "image/png")

    assert store.get("images/a.png") == PNG_BYTES
    assert store.exists("images/a.png")
    assert not store.exists("images/missing.png")
    head = s3_client(spaces_settings).head_object(Bucket=spaces_settings.bucket, Key="images/a.png")
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"] == CACHE_CONTROL
    assert "max-age=31536000" in CACHE_CONTROL


def test_anonymous_get_of_a_stored_object_is_refused(spaces_settings: SpacesSettings) -> None:
    SpacesStore(spaces_settings).put("images/a.png", PNG_BYTES, "image/png")

    status, _, body = fetch(f"{spaces_settings.endpoint}/{spaces_settings.bucket}/images/a.png")

    assert status == 403
    assert PNG_BYTES not in body


def test_presigned_url_serves_the_image_with_its_content_type(spaces_settings: SpacesSettings) -> None:
    store = SpacesStore(spaces_settings)
    store.put("thumbnails/a.webp", WEBP_BYTES, "image/webp")

    status, content_type, body = fetch(store.url("thumbnails/a.webp", ttl_s=300))

    assert status == 200
    assert content_type == "image/webp"
    assert body == WEBP_BYTES


def test_presigned_url_is_signed_to_expire_after_its_ttl(spaces_settings: SpacesSettings) -> None:
    # moto 5.2.5 serves presigned URLs even after X-Amz-Expires (it never checks it), so a 403-after-expiry
    # test cannot fail here. What a real endpoint enforces is the signed date and lifetime, checked instead.
    store = SpacesStore(spaces_settings)
    store.put("images/a.png", PNG_BYTES, "image/png")

    query = parse_qs(urlsplit(store.url("images/a.png", ttl_s=1)).query)

    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert query["X-Amz-Expires"] == ["1"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert abs((datetime.now(UTC) - signed_at).total_seconds()) < 5
    assert "x-amz-expires" not in query["X-Amz-SignedHeaders"][0]  # a query parameter, covered by the signature
    assert query["X-Amz-Credential"][0].startswith(f"{spaces_settings.key}/")


def test_presigned_url_does_not_carry_the_secret(spaces_settings: SpacesSettings) -> None:
    store = SpacesStore(spaces_settings)

    assert spaces_settings.secret.reveal() not in store.url("images/a.png", ttl_s=60)


def test_spaces_delete_removes_the_object_and_is_idempotent(spaces_settings: SpacesSettings) -> None:
    store = SpacesStore(spaces_settings)
    store.put("images/a.png", PNG_BYTES, "image/png")

    store.delete("images/a.png")
    store.delete("images/a.png")

    assert not store.exists("images/a.png")
    with pytest.raises(StorageError, match="not there"):
        store.get("images/a.png")


def test_missing_bucket_is_reported_naming_spaces_bucket(spaces_settings: SpacesSettings) -> None:
    store = SpacesStore(replace(spaces_settings, bucket="no-such-bucket-here"))

    with pytest.raises(StorageError, match="SPACES_BUCKET") as checked:
        store.check()
    with pytest.raises(StorageError, match="SPACES_BUCKET") as uploaded:
        store.put("images/a.png", PNG_BYTES, "image/png")
    assert "no-such-bucket-here" in str(checked.value)
    assert spaces_settings.secret.reveal() not in str(checked.value) + str(uploaded.value)


def test_unknown_access_key_is_reported_naming_the_key_settings(moto_enforcing_auth: SpacesSettings) -> None:
    wrong = replace(moto_enforcing_auth, key="AKIANOTAREALKEY12345", secret=Secret("wrong-secret-value-42"))
    store = SpacesStore(wrong)

    for attempt in (store.check, lambda: store.put("images/a.png", PNG_BYTES, "image/png")):
        with pytest.raises(StorageError, match="check SPACES_KEY and SPACES_SECRET") as raised:
            attempt()
        assert "wrong-secret-value-42" not in str(raised.value)


def test_wrong_secret_for_a_real_key_is_reported_naming_the_key_settings(spaces_settings: SpacesSettings) -> None:
    import boto3

    iam = boto3.session.Session().client(
        "iam",
        endpoint_url=spaces_settings.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    user = f"user-{spaces_settings.bucket}"
    iam.create_user(UserName=user)
    iam.put_user_policy(
        UserName=user,
        PolicyName="all-s3",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        ),
    )
    access_key = iam.create_access_key(UserName=user)["AccessKey"]
    right = replace(spaces_settings, key=access_key["AccessKeyId"], secret=Secret(access_key["SecretAccessKey"]))
    wrong = replace(right, secret=Secret("not-the-secret-of-this-key"))

    with moto_auth():
        SpacesStore(right).put("images/a.png", PNG_BYTES, "image/png")
        with pytest.raises(StorageError, match="check SPACES_KEY and SPACES_SECRET") as raised:
            SpacesStore(wrong).put("images/b.png", PNG_BYTES, "image/png")

    assert "SignatureDoesNotMatch" in str(raised.value)
    assert "not-the-secret-of-this-key" not in str(raised.value)
    assert access_key["SecretAccessKey"] not in str(raised.value)


def test_unreachable_endpoint_fails_within_seconds_naming_spaces_endpoint() -> None:
    endpoint = f"http://127.0.0.1:{closed_loopback_port()}"
    settings = SpacesSettings(
        key="key", secret=Secret("unreachable-secret-7"), bucket="bucket", region="us-east-1", endpoint=endpoint
    )
    store = SpacesStore(settings)

    started = time.monotonic()
    with pytest.raises(StorageError, match="SPACES_ENDPOINT") as raised:
        store.check()
    elapsed = time.monotonic() - started

    assert elapsed < 10
    assert endpoint in str(raised.value)
    assert "unreachable-secret-7" not in str(raised.value)
    with pytest.raises(StorageError, match="SPACES_ENDPOINT"):
        store.put("images/a.png", PNG_BYTES, "image/png")


def test_invalid_bucket_name_is_reported_naming_spaces_bucket() -> None:
    settings = SpacesSettings(
        key="k", secret=Secret("s"), bucket="My Bucket", region="us-east-1", endpoint="http://127.0.0.1:9"
    )

    with pytest.raises(StorageError, match="SPACES_BUCKET is a valid bucket name"):
        SpacesStore(settings).put("images/a.png", PNG_BYTES, "image/png")


def test_malformed_endpoint_is_reported_naming_spaces_endpoint() -> None:
    settings = SpacesSettings(key="k", secret=Secret("s"), bucket="bucket", region="us-east-1", endpoint="http://")

    with pytest.raises(StorageError, match="SPACES_ENDPOINT"):
        SpacesStore(settings).check()
