"""What the History page shows: filters kept in the URL's query parameters, and the paging that follows from them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from core.domain.errors import InputError
from core.domain.records import MAX_CREATOR_CHARS, HistoryQuery, normalize_tag

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
VIEWS = ("table", "gallery")
MAX_SEARCH_CHARS = 200
MAX_PAGE = 1_000_000
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_FILTER_TAGS = 10
URL_PARAMS = ("q", "since", "until", "sort", "size", "page", "view", "starred", "tag", "by")


@dataclass(frozen=True)
class HistoryFilters:
    """What the History page shows; the same values live in the URL's query parameters."""

    search: str = ""
    since: date | None = None
    until: date | None = None
    newest_first: bool = True
    page_size: int = DEFAULT_PAGE_SIZE
    page: int = 1
    view: str = "table"
    starred: bool = False
    tags: tuple[str, ...] = ()  # all must be on a record
    by: str = ""  # created_by, exactly

    @property
    def narrows(self) -> bool:
        """True when some filter hides records (sort, size and view never do)."""
        return bool(self.search.strip() or self.since or self.until or self.starred or self.tags or self.by)

    def query(self) -> HistoryQuery:
        return HistoryQuery(
            search=self.search.strip() or None,
            since=self.since,
            until=self.until,
            newest_first=self.newest_first,
            limit=self.page_size,
            offset=(self.page - 1) * self.page_size,
            starred=self.starred,
            tags=self.tags,
            created_by=self.by or None,
        )

    def to_params(self) -> dict[str, str]:
        """Query parameters for the values that differ from the defaults, so links stay short."""
        params = {
            "q": self.search.strip(),
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "sort": "" if self.newest_first else "oldest",
            "size": "" if self.page_size == DEFAULT_PAGE_SIZE else str(self.page_size),
            "page": "" if self.page == 1 else str(self.page),
            "view": "" if self.view == "table" else self.view,
            "starred": "1" if self.starred else "",
            "tag": ",".join(self.tags),  # tags never hold commas: commas separate them everywhere
            "by": self.by,
        }
        return {name: value for name, value in params.items() if value}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> HistoryFilters:
        """Read query parameters, replacing anything unusable (hand-edited links) by its default."""
        size = _whole_number(params.get("size"))
        view = params.get("view", "")
        return cls(
            search=" ".join(str(params.get("q", "")).split())[:MAX_SEARCH_CHARS],
            since=_day(params.get("since")),
            until=_day(params.get("until")),
            newest_first=params.get("sort") != "oldest",
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
            page=min(max(_whole_number(params.get("page")) or 1, 1), MAX_PAGE),
            view=view if view in VIEWS else "table",
            starred=params.get("starred", "") in ("1", "true", "yes"),
            tags=parse_tags(str(params.get("tag", "")))[:MAX_FILTER_TAGS],
            by=" ".join(str(params.get("by", "")).split())[:MAX_CREATOR_CHARS],
        )


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags as typed or linked, normalized, unusable ones dropped, in order, once each."""
    tags: list[str] = []
    for part in text.split(","):
        try:
            tag = normalize_tag(part)
        except InputError:
            continue
        if tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
    return day if day and EARLIEST_DAY <= day <= LATEST_DAY else None


def _whole_number(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value else None
    except ValueError:
        return None


def page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def showing_label(filters: HistoryFilters, total: int, shown: int) -> str:
    if total == 0 or shown == 0:
        return f"No images on this page ({total} in all)."
    first = (filters.page - 1) * filters.page_size + 1
    return f"Showing {first}–{first + shown - 1} of {total}"
