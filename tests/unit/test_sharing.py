"""Share links' pure rules: expiry durations, tokens in links, digests, addresses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.domain.errors import InputError
from core.domain.sharing import new_token, parse_expiry, share_url, token_digest, token_of


@pytest.mark.parametrize(
    ("text", "duration"),
    [("30m", timedelta(minutes=30)), ("12h", timedelta(hours=12)), ("7D", timedelta(days=7)), ("90d", timedelta(90))],
)
def test_expiry_reads_minutes_hours_and_days(text: str, duration: timedelta) -> None:
    assert parse_expiry(text) == duration


@pytest.mark.parametrize("text", ["0m", "91d", "2161h", "7", "d7", "7w", "-1d", "1.5h", ""])
def test_expiry_refuses_nothing_forever_and_other_units(text: str) -> None:
    with pytest.raises(InputError, match="Expiry"):
        parse_expiry(text)


def test_tokens_are_long_random_and_kept_only_as_a_digest() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(token) >= 43 for token in tokens)  # 32 bytes in URL-safe base64
    token = tokens.pop()
    assert len(token_digest(token)) == 64 and token not in token_digest(token)


def test_a_token_is_found_in_a_whole_link_with_or_without_a_query_or_a_base_path() -> None:
    token = new_token()
    for given in (
        token,
        f" {token} ",
        share_url("https://images.example.com/", token),
        share_url("https://example.com/app", token) + "?utm_source=mail#top",
        f"https://images.example.com/s/{token}/image/1",
    ):
        assert token_of(given) == token, given
    assert share_url("https://example.com/app/", token) == f"https://example.com/app/s/{token}"


@pytest.mark.parametrize("text", ["", "https://images.example.com/history", "short", "../../etc/passwd"])
def test_anything_else_is_neither_a_link_nor_a_token(text: str) -> None:
    with pytest.raises(InputError, match="neither a share link nor a token"):
        token_of(text)


def test_no_token_starts_with_a_dash_so_the_command_line_never_reads_it_as_an_option() -> None:
    tokens = [new_token() for _ in range(3000)]  # 1 in 64 started with "-" before: 47 expected here
    assert not [token for token in tokens if token.startswith("-")]
    assert len(set(tokens)) == len(tokens) and all(len(token) == 43 for token in tokens)
