"""Rewrite docs/configuration.md's table of variables from core/config/specs.py.

Run `python -m scripts.configuration_table`; tests/unit/test_configuration_docs.py fails while they differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.config.settings import configuration_docs_table  # noqa: E402

DOCS = ROOT / "docs" / "configuration.md"
BEGIN = "<!-- table of variables: from core/config/specs.py by `python -m scripts.configuration_table` -->\n"
END = "<!-- end of the table of variables -->\n"


def with_table(document: str, table: str) -> str:
    """The document with the text between the markers replaced by `table`."""
    before, _, rest = document.partition(BEGIN)
    _, _, after = rest.partition(END)
    if BEGIN not in document or END not in rest:
        raise SystemExit(f"{DOCS} lacks the markers {BEGIN.strip()} ... {END.strip()}")
    return before + BEGIN + table + END + after


if __name__ == "__main__":
    DOCS.write_text(with_table(DOCS.read_text(encoding="utf-8"), configuration_docs_table()), encoding="utf-8")
