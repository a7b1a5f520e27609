"""Dark mode: the app follows the browser's theme, and its own HTML has no colour that only suits one theme."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ui.access.http_sign_in import sign_out_form

ROOT = Path(__file__).resolve().parents[2]
FIXED_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:white|black)\b|rgb\(")


def test_streamlit_is_not_forced_into_one_theme():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert "base" not in config.get("theme", {})


def test_the_sign_out_button_takes_its_colours_from_the_page():
    form = sign_out_form()
    assert "currentColor" in form and "color:inherit" in form
    assert not FIXED_COLOUR.search(form)


def test_no_html_the_ui_writes_fixes_a_colour():
    for module in (ROOT / "ui").rglob("*.py"):
        for line in module.read_text().splitlines():
            if "style" in line and ("<" in line or "style=" in line):
                assert not FIXED_COLOUR.search(line), f"{module.relative_to(ROOT)}: {line.strip()}"
