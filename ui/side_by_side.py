"""Images side by side at the same width, each with its facts; the facts that differ are highlighted.

Prompts, instructions and model names are user (or outside) text: they are drawn with st.text, never as
markdown, so `**x** [a](http://…)` shows as typed. Only labels the app writes itself go through markdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import streamlit as st

from core.domain.comparison import fact_rows


@dataclass(frozen=True)
class ComparedImage:
    title: str  # written by the app: "#3", "Result 2"
    image: bytes | str | None  # bytes, a URL, or None when the file cannot be had
    facts: Mapping[str, str]


def side_by_side(items: Sequence[ComparedImage]) -> None:
    """One equal column per image; under each, every fact, marked only on the images whose value stands apart."""
    rows = fact_rows([item.facts for item in items])
    differing = [row.label for row in rows if row.differs]
    st.caption("Differences: " + ", ".join(differing) if differing else "These images agree on every fact shown.")
    for column, (position, item) in zip(st.columns(len(items)), enumerate(items), strict=True):
        with column.container(border=True):
            st.markdown(f"**{item.title}**")
            if item.image is not None:
                st.image(item.image, width="stretch")
            else:
                st.warning("The image file cannot be shown.", icon="🖼️")
            for row in rows:
                # The app's own label carries the highlight; the value itself is plain text.
                odd = row.different[position]
                st.markdown(f":orange-background[**{row.label}** differs]" if odd else f"**{row.label}**")
                st.text(row.values[position] or "—")
