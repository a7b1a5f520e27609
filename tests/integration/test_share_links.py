"""Share links on SQLite and PostgreSQL: tokens kept as digests, 1-4 images, expiry, revocation, views, deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from core.app import sharing
from core.app.sharing import ExpiredLink, SharedImages
from core.db.repository import RecordRepository
from core.db.share_links import SqlShareLinks
from core.domain.errors import InputError, InvalidSetting
from core.domain.records import NewRecord

APP_URL = "https://images.example.com"
WEEK = timedelta(days=7)


@pytest.fixture
def links(migrated_engine: Engine) -> SqlShareLinks:
    return SqlShareLinks(migrated_engine)


def saved(repository: RecordRepository, *prompts: str) -> list[int]:
    ids = []
    for prompt in prompts:
        record = NewRecord(
            prompt=prompt,
            image_filename=f"images/{prompt}.png",
            description=f"caption of {prompt}",
            idempotency_key=f"key-{prompt}",
        )
        view, _ = repository.add(record=record)
        ids.append(view.id)
    return ids


def test_a_link_opens_its_images_in_order_and_the_database_keeps_only_the_tokens_digest(
    links: SqlShareLinks, repository: RecordRepository, migrated_engine: Engine
) -> None:
    kite, boat, tower = saved(repository, "kite", "boat", "tower")

    made = sharing.create_link(links, repository, record_ids=[tower, kite], expires_in=WEEK, app_url=APP_URL + "/")

    assert made.url == f"{APP_URL}/s/{made.token}" and len(made.token) >= 43  # 32 random bytes, base64
    opened = sharing.open_link(links, repository, made.token)
    assert isinstance(opened, SharedImages)
    assert [record.id for record in opened.records] == [tower, kite] and boat not in opened.link.record_ids
    with migrated_engine.connect() as connection:
        stored = connection.execute(text("SELECT token_digest FROM share_links")).scalars().all()
    assert made.token not in stored[0] and len(stored[0]) == 64


def test_unknown_changed_and_malformed_tokens_open_nothing(links: SqlShareLinks, repository: RecordRepository) -> None:
    (kite,) = saved(repository, "kite")
    made = sharing.create_link(links, repository, record_ids=[kite], expires_in=WEEK, app_url=APP_URL)
    changed = made.token[:-1] + ("A" if made.token[-1] != "A" else "B")

    for token in (changed, "x" * 43, "../../etc/passwd", ""):
        assert sharing.open_link(links, repository, token) is None


def test_an_expired_link_is_told_apart_and_leaves_the_live_list(
    links: SqlShareLinks, repository: RecordRepository
) -> None:
    (kite,) = saved(repository, "kite")
    made = sharing.create_link(links, repository, record_ids=[kite], expires_in=timedelta(minutes=30), app_url=APP_URL)
    later = datetime.now(UTC) + timedelta(minutes=31)

    assert isinstance(sharing.open_link(links, repository, made.token, now=later), ExpiredLink)
    assert sharing.live_links(links, now=later) == []
    assert [link.link_id for link in sharing.live_links(links)] == [made.link.link_id]


def test_revoking_by_address_or_token_ends_the_link_once(links: SqlShareLinks, repository: RecordRepository) -> None:
    kite, boat = saved(repository, "kite", "boat")
    by_url = sharing.create_link(links, repository, record_ids=[kite], expires_in=WEEK, app_url=APP_URL)
    by_token = sharing.create_link(links, repository, record_ids=[kite, boat], expires_in=WEEK, app_url=APP_URL)

    sharing.revoke_link(links, by_url.url + "?utm=x")
    sharing.revoke_link(links, by_token.token)

    assert sharing.open_link(links, repository, by_url.token) is None
    assert sharing.open_link(links, repository, by_token.token) is None
    assert sharing.live_links(links) == []
    with pytest.raises(InputError, match="No live share link"):
        sharing.revoke_link(links, by_url.token)


def test_history_revokes_a_link_by_its_id_once(links: SqlShareLinks, repository: RecordRepository) -> None:
    (kite,) = saved(repository, "kite")
    made = sharing.create_link(links, repository, record_ids=[kite], expires_in=WEEK, app_url=APP_URL)

    assert sharing.revoke_link_id(links, made.link.link_id) is True
    assert sharing.revoke_link_id(links, made.link.link_id) is False
    assert sharing.open_link(links, repository, made.token) is None


def test_live_links_of_an_image_carry_their_view_counts(links: SqlShareLinks, repository: RecordRepository) -> None:
    kite, boat = saved(repository, "kite", "boat")
    both = sharing.create_link(links, repository, record_ids=[kite, boat], expires_in=WEEK, app_url=APP_URL)
    only_boat = sharing.create_link(links, repository, record_ids=[boat], expires_in=WEEK, app_url=APP_URL)

    for _ in range(3):
        sharing.count_view(links, both.token)

    assert [(link.link_id, link.views) for link in sharing.live_links(links, record_id=kite)] == [
        (both.link.link_id, 3)
    ]
    assert {link.link_id for link in sharing.live_links(links, record_id=boat)} == {
        both.link.link_id,
        only_boat.link.link_id,
    }


def test_deleting_an_image_ends_every_link_that_shows_it(links: SqlShareLinks, repository: RecordRepository) -> None:
    kite, boat = saved(repository, "kite", "boat")
    pair = sharing.create_link(links, repository, record_ids=[kite, boat], expires_in=WEEK, app_url=APP_URL)
    other = sharing.create_link(links, repository, record_ids=[boat], expires_in=WEEK, app_url=APP_URL)

    repository.delete_many(record_ids=[kite])

    assert sharing.open_link(links, repository, pair.token) is None
    assert isinstance(sharing.open_link(links, repository, other.token), SharedImages)
    assert [link.link_id for link in sharing.live_links(links)] == [other.link.link_id]


def test_a_link_needs_one_to_four_saved_images_and_the_apps_address(
    links: SqlShareLinks, repository: RecordRepository
) -> None:
    ids = saved(repository, "a", "b", "c", "d", "e")

    with pytest.raises(InputError, match="1 to 4 images; 5"):
        sharing.create_link(links, repository, record_ids=ids, expires_in=WEEK, app_url=APP_URL)
    with pytest.raises(InputError, match="No saved image has id 999999"):
        sharing.create_link(links, repository, record_ids=[ids[0], 999999], expires_in=WEEK, app_url=APP_URL)
    with pytest.raises(InvalidSetting, match="APP_URL"):
        sharing.create_link(links, repository, record_ids=[ids[0]], expires_in=WEEK, app_url=None)
    assert sharing.live_links(links) == []
