"""Create and History reach `st.session_state` by the keys their state.py names, never by a string of their own.

A string key typed in two modules drifts apart without a word (one module writes "history_open_id", another
reads "history_open"): so outside ui/create/state.py and ui/history/state.py no module of those packages uses a
string literal as a session-state key, borrows a key constant from a sibling module instead of the page's
state.py, or keeps `st.session_state` under another name (which would hide its keys from this check).
Keys one module builds for itself from a widget's key (a share panel's f"{key}_made") are its own business.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("create", "history")
READERS = ("get", "pop", "setdefault")


def _is_session_state(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "session_state") or (
        isinstance(node, ast.Name) and node.id == "session_state"
    )


def _keys_used(tree: ast.AST) -> list[tuple[int, ast.expr]]:
    """Every expression used as a session-state key, with its line."""
    keys: list[tuple[int, ast.expr]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_session_state(node.value):
            keys.append((node.lineno, node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_session_state(node.func.value):
            if node.func.attr in READERS and node.args:
                keys.append((node.lineno, node.args[0]))
            elif node.func.attr == "update" and node.args and isinstance(node.args[0], ast.Dict):
                keys.extend((node.lineno, key) for key in node.args[0].keys if key is not None)
        elif isinstance(node, ast.Compare) and any(_is_session_state(right) for right in node.comparators):
            keys.append((node.lineno, node.left))
    return keys


def key_problems(source: str, package: str) -> list[str]:
    """What in one module's source reaches session state other than through `ui.<package>.state`'s keys."""
    tree = ast.parse(source)
    state_module = f"ui.{package}.state"
    borrowed = {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module != state_module
        for alias in node.names
    }
    problems: list[tuple[int, str]] = []
    for line, key in sorted(_keys_used(tree), key=lambda found: found[0]):
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            problems.append((line, f"the string key {key.value!r}"))
        elif isinstance(key, ast.Name) and key.id in borrowed:
            problems.append((line, f"the key {key.id} borrowed from {borrowed[key.id]}"))
        elif isinstance(key, ast.Attribute) and isinstance(key.value, ast.Name):
            problems.append((line, f"the key {key.value.id}.{key.attr} borrowed from another module"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_session_state(node.value):
            problems.append((node.lineno, "st.session_state kept under another name"))
    return [f"line {line}: {problem}" for line, problem in sorted(problems)]


def modules() -> list[tuple[str, Path]]:
    found = [
        (package, path)
        for package in PACKAGES
        for path in sorted((ROOT / "ui" / package).glob("*.py"))
        if path.name != "state.py"
    ]
    assert len(found) > 20, "the scan found too few modules to mean anything"
    return found


@pytest.mark.parametrize(("package", "path"), modules(), ids=lambda value: getattr(value, "name", value))
def test_no_module_of_create_or_history_uses_a_session_state_key_that_state_py_does_not_name(
    package: str, path: Path
) -> None:
    assert key_problems(path.read_text(encoding="utf-8"), package) == []


def test_the_scan_finds_string_keys_borrowed_keys_and_aliases() -> None:
    source = """
import streamlit as st
from ui.history.state import OPEN_KEY
from ui.history.view import PAGE_KEY
from ui.history import view

st.session_state["history_open_id"] = 1
st.session_state.get("_history_page_ids")
st.session_state.pop(PAGE_KEY, None)
st.session_state.update({"history_change_open": 2})
if "history_confirm_delete" in st.session_state:
    st.session_state[view.TABLE_KEY] = {}
state = st.session_state
st.session_state[OPEN_KEY] = 3
st.session_state[f"{OPEN_KEY}_made"] = 4
"""
    found = key_problems(source, "history")
    assert [problem.split(":")[0] for problem in found] == [f"line {n}" for n in (7, 8, 9, 10, 11, 12, 13)], found
