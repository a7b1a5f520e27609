"""Comparing 2 to 4 images: the facts shown for each, which of them differ, and the ids a compare link names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.domain.drafts import Draft
from core.domain.errors import InputError
from core.domain.ids import parse_image_ids
from core.domain.records import ImageRecordView

MIN_COMPARED, MAX_COMPARED = 2, 4
FIELDS = ("Prompt", "Instruction", "Seed", "Aspect ratio", "Model", "Date")


@dataclass(frozen=True)
class FactRow:
    """One fact across the compared images: whether they disagree on it, and which images are the odd ones out."""

    label: str
    values: tuple[str, ...]
    differs: bool
    different: tuple[bool, ...]  # per image: its value is not the one the others share


def record_facts(record: ImageRecordView) -> dict[str, str]:
    return {
        "Prompt": record.prompt,
        "Instruction": record.edit_instruction or "",
        "Seed": "" if record.seed is None else str(record.seed),
        "Aspect ratio": record.aspect_ratio or "",
        "Model": record.image_model or "",
        "Date": record.created_at.strftime("%Y-%m-%d %H:%M UTC"),
    }


def draft_facts(draft: Draft) -> dict[str, str]:
    """A result not saved yet has no date."""
    return {
        "Prompt": draft.request.prompt,
        "Instruction": draft.edit_instruction or "",
        "Seed": "" if draft.request.seed is None else str(draft.request.seed),
        "Aspect ratio": draft.request.aspect_ratio,
        "Model": draft.image_model,
        "Date": "not saved yet",
    }


def fact_rows(facts: Sequence[Mapping[str, str]]) -> list[FactRow]:
    """Every field for every image, in FIELDS order; a field differs when any two images disagree on it."""
    rows = []
    for label in FIELDS:
        values = tuple(fact.get(label, "") for fact in facts)
        rows.append(FactRow(label, values, differs=len(set(values)) > 1, different=odd_ones_out(values)))
    return rows


def odd_ones_out(values: Sequence[str]) -> tuple[bool, ...]:
    """Which values differ from the one most images share; with no such value (all apart, a tie) every one does.

    Seeds 7, 7, 8 mark only the 8: the two 7s are what the images share, so flagging them would say they
    differ where they do not. Two images that disagree both differ (there is no majority to stand apart from).
    """
    ranked = Counter(values).most_common(2)
    if len(ranked) == 1:
        return tuple(False for _ in values)
    (common, count), (_, runner_up) = ranked
    if count < 2 or count == runner_up:
        return tuple(True for _ in values)
    return tuple(value != common for value in values)


def parse_compare_ids(text: str) -> list[int]:
    """The ids of a compare link (`3,7`), in the given order, each once; 2 to 4 of them or an InputError.

    Read by core.domain.ids: linear, and a link naming 80,000 images is refused after its fifth.
    """
    try:
        ids = parse_image_ids(text, most=MAX_COMPARED)
    except InputError as exc:
        raise InputError(f"A compare link names {MIN_COMPARED} to {MAX_COMPARED} images, like 3,7: {exc}") from None
    if len(ids) < MIN_COMPARED:
        raise InputError(
            f"Compare {MIN_COMPARED} to {MAX_COMPARED} different images at a time; this link names {len(ids)}."
        )
    return ids
