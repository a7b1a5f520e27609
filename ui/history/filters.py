"""What the History page shows: filters kept in the URL's query parameters, and the paging that follows from them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.errors import InputError
from core.domain.ids import parse_image_id
from core.domain.records import HistoryQuery, normalize_creator
from core.domain.tags import parse_linked_tags

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
VIEWS = ("gallery", "table")  # the first is the default: people browse images, the table is one click away
MAX_SEARCH_CHARS = 200
MAX_PAGE = 1_000_000
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_FILTER_TAGS = 10
URL_PARAMS = ("q", "since", "until", "sort", "size", "page", "view", "starred", "tag", "by", "family")


@dataclass(frozen=True)
class HistoryFilters:
    """What the History page shows; the same values live in the URL's query parameters."""

    search: str = ""
    since: date | None = None
    until: date | None = None
    newest_first: bool = True
    page_size: int = DEFAULT_PAGE_SIZE
    page: int = 1
    view: str = VIEWS[0]
    starred: bool = False
    tags: tuple[str, ...] = ()  # all must be on a record
    by: str = ""  # created_by, exactly
    family: int | None = None  # the whole family of edits of this record, from any member

    @property
    def folded_in_use(self) -> int:
        """How many of the filters behind the "Filters" fold hide records, so the folded control can say so."""
        return sum(bool(value) for value in (self.since, self.until, self.starred, self.tags, self.by))

    @property
    def narrows(self) -> bool:
        """True when some filter hides records (sort, size and view never do)."""
        return bool(
            self.search.strip() or self.since or self.until or self.starred or self.tags or self.by or self.family
        )

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
            family=self.family,
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
            "view": "" if self.view == VIEWS[0] else self.view,
            "starred": "1" if self.starred else "",
            "tag": ",".join(self.tags),  # tags never hold commas: commas separate them everywhere
            "by": self.by,
            "family": "" if self.family is None else str(self.family),
        }
        return {name: value for name, value in params.items() if value}

    @classmethod
    def from_params(cls, params: Mapping[str, str | Sequence[str]]) -> HistoryFilters:
        """Read query parameters, replacing anything unusable (hand-edited links) by its default.

        A value may be every value of a repeated parameter (`st.query_params.get_all`): each `tag=`
        counts (all must match, like the tag picker); for the others the last one wins, as browsers do.
        """

        def last(name: str) -> str:
            value = params.get(name, "")
            return str(value if isinstance(value, str) else (value[-1] if value else ""))

        tag_values = params.get("tag", [])
        size = _whole_number(last("size"))
        family = _image_id(last("family"))
        view = last("view")
        return cls(
            search=" ".join(last("q").split())[:MAX_SEARCH_CHARS],
            since=_day(last("since")),
            until=_day(last("until")),
            newest_first=last("sort") != "oldest",
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
            page=min(max(_whole_number(last("page")) or 1, 1), MAX_PAGE),
            view=view if view in VIEWS else VIEWS[0],
            starred=last("starred") in ("1", "true", "yes"),
            tags=parse_linked_tags(
                [tag_values] if isinstance(tag_values, str) else [str(v) for v in tag_values[:MAX_FILTER_TAGS]],
                limit=MAX_FILTER_TAGS,
            ),
            by=normalize_creator(last("by")) or "",
            family=family,
        )


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
    return day if day and EARLIEST_DAY <= day <= LATEST_DAY else None


def link_problems(params: Mapping[str, str | Sequence[str]]) -> list[str]:
    """What a link asked for that cannot be shown, in words for a page notice (from_params drops it silently)."""
    value = params.get("family", "")
    family = str(value if isinstance(value, str) else (value[-1] if value else ""))
    try:
        _ = parse_image_id(family) if family else None
    except InputError as exc:
        return [f"This link asks for the family of an image that cannot exist, so everything is shown. {exc}"]
    return []


def _image_id(value: str) -> int | None:
    try:
        return parse_image_id(value) if value else None
    except InputError:
        return None


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
