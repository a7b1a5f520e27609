"""Presigned URL reuse: same URL until shortly before expiry, bounded memory, safe across threads."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from core.storage.url_cache import PresignedUrlCache, default_refresh_margin


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class SigningStore:
    """Records every signing request and answers a URL that says which signature it was."""

    def __init__(self, scheme: str = "https") -> None:
        self.signed: Counter[str] = Counter()
        self.ttls: list[int] = []
        self.scheme = scheme
        self._lock = threading.Lock()

    def url(self, key: str, ttl_s: int) -> str:
        with self._lock:
            self.signed[key] += 1
            self.ttls.append(ttl_s)
            count = self.signed[key]
        if self.scheme == "data":
            return f"data:image/webp;base64,{key}"
        return f"https://bucket.example/{key}?signature={count}"


def test_url_is_reused_until_the_refresh_margin_is_reached() -> None:
    clock, store = FakeClock(), SigningStore()
    cache = PresignedUrlCache(store, 3600, refresh_margin_s=360, clock=clock)

    first = cache.url("thumbnails/a.webp")
    clock.now += 3600 - 360 - 1  # one second before the margin
    second = cache.url("thumbnails/a.webp")

    assert first == second == "https://bucket.example/thumbnails/a.webp?signature=1"
    assert store.signed["thumbnails/a.webp"] == 1
    assert store.ttls == [3600]


def test_url_is_signed_again_once_less_than_the_margin_remains() -> None:
    clock, store = FakeClock(), SigningStore()
    cache = PresignedUrlCache(store, 3600, refresh_margin_s=360, clock=clock)

    first = cache.url("thumbnails/a.webp")
    clock.now += 3600 - 360  # exactly the margin left: a browser could get a URL about to die
    refreshed = cache.url("thumbnails/a.webp")
    clock.now += 100
    reused = cache.url("thumbnails/a.webp")

    assert first.endswith("signature=1")
    assert refreshed.endswith("signature=2")
    assert reused == refreshed
    assert store.signed["thumbnails/a.webp"] == 2


def test_each_key_gets_its_own_url() -> None:
    cache = PresignedUrlCache(SigningStore(), 600, clock=FakeClock())

    assert cache.url("images/a.png") != cache.url("images/b.png")


def test_least_recently_used_url_is_evicted_beyond_the_bound() -> None:
    store = SigningStore()
    cache = PresignedUrlCache(store, 3600, max_entries=2, clock=FakeClock())

    cache.url("a")
    cache.url("b")
    cache.url("a")  # "a" is now the most recently used
    cache.url("c")  # evicts "b"
    cache.url("a")
    cache.url("b")

    assert len(cache) == 2
    assert store.signed == Counter({"a": 1, "b": 2, "c": 1})


def test_data_urls_are_not_kept_in_memory() -> None:
    store = SigningStore(scheme="data")
    cache = PresignedUrlCache(store, 3600, clock=FakeClock())

    cache.url("thumbnails/a.webp")
    cache.url("thumbnails/a.webp")

    assert len(cache) == 0
    assert store.signed["thumbnails/a.webp"] == 2


def test_forget_makes_the_next_request_sign_again() -> None:
    store = SigningStore()
    cache = PresignedUrlCache(store, 3600, clock=FakeClock())

    cache.url("a")
    cache.forget("a")
    cache.forget("never-cached")

    assert cache.url("a").endswith("signature=2")


@pytest.mark.parametrize(("ttl", "margin"), [(3600, 360.0), (600, 60.0), (60, 30.0), (7 * 86400, 60480.0)])
def test_default_margin_is_ten_percent_or_a_minute_but_at_most_half_the_ttl(ttl: int, margin: float) -> None:
    assert default_refresh_margin(ttl) == margin
    assert PresignedUrlCache(SigningStore(), ttl).refresh_margin_s == margin


@pytest.mark.parametrize(
    "kwargs", [{"ttl_s": 0}, {"ttl_s": 60, "refresh_margin_s": 60}, {"ttl_s": 60, "max_entries": 0}]
)
def test_impossible_settings_are_refused(kwargs: dict[str, int]) -> None:
    ttl = kwargs.pop("ttl_s")
    with pytest.raises(ValueError):
        PresignedUrlCache(SigningStore(), ttl, **kwargs)


def test_concurrent_sessions_share_urls_and_the_bound_holds() -> None:
    store = SigningStore()
    cache = PresignedUrlCache(store, 3600, max_entries=50, clock=FakeClock())
    keys = [f"thumbnails/{n}.webp" for n in range(40)]
    answers: list[dict[str, str]] = []
    errors: list[BaseException] = []

    def browse() -> None:
        seen: dict[str, str] = {}
        try:
            for _ in range(50):
                for key in keys:
                    seen[key] = cache.url(key)
        except BaseException as exc:
            errors.append(exc)
        answers.append(seen)

    threads = [threading.Thread(target=browse) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(answers) == 8
    assert len(cache) == 40
    # Entries never expire or get evicted here, so each thread signs each key at most once (its first miss),
    # instead of 50 times.
    assert all(count <= 8 for count in store.signed.values())
    assert sum(store.signed.values()) <= 8 * 40
