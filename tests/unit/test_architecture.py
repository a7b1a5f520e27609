"""The layering rules, read from the source with ast: no import cycles, one composition root."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ui", "pages")
# What builds an adapter: only core/services.py may call these (their own modules define them).
ADAPTER_BUILDERS = {
    "create_engine_for",
    "build_store",
    "SpacesStore",
    "LocalFolderStore",
    "RecordRepository",
    "ReplicateGenerator",
    "load_transcriber",
    "load_captioner",
    "Pipeline",
}
COMPOSITION_ROOT = "core.services"


def app_modules() -> dict[str, Path]:
    """Module name -> file, for Home.py and every module of core/, ui/ and pages/."""
    modules = {"Home": ROOT / "Home.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            name = package if path.stem == "__init__" else f"{package}.{path.stem}"
            modules[name] = path
    return modules


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """App modules `path` imports anywhere, at the top or inside a function (a late import is still a cycle)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from core import commands` imports core.commands; `from core.x import y` imports core.x.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = app_modules()
    known = set(modules)
    # A package's __init__ imports nothing here, so an edge to "core" itself says nothing.
    return {name: imported_modules(path, known) - {name, *PACKAGES} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None."""
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node) :], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            if cycle := visit(target):
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if cycle := visit(start):
            return cycle
    return None


def test_the_cycle_finder_reports_a_cycle_it_is_given() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_sees_late_imports_inside_functions() -> None:
    graph = import_graph()
    assert "core.pipeline" in graph["core.services"]
    assert graph["Home"] >= {"ui.gate", "ui.navigation"}


def test_core_ui_pages_and_home_import_each_other_without_cycles() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_core_never_imports_streamlit_or_ui() -> None:
    modules = app_modules()
    for name, path in modules.items():
        if not name.startswith("core"):
            continue
        imported = imported_modules(path, set(modules) | {"streamlit"})
        assert not {m for m in imported if m == "streamlit" or m.startswith("ui")}, name


def test_only_the_composition_root_builds_adapters() -> None:
    builders_called: dict[str, set[str]] = {}
    for name, path in app_modules().items():
        tree = ast.parse(path.read_text(), filename=str(path))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.ClassDef)}
        called = {
            node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)
        }
        if found := (called & ADAPTER_BUILDERS) - defined:
            builders_called[name] = found
    assert set(builders_called) == {COMPOSITION_ROOT}, builders_called


def test_every_type_ignore_names_its_error_code_and_says_why() -> None:
    unexplained = []
    for name, path in app_modules().items():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if "type: ignore" not in line:
                continue
            names_code = re.search(r"type: ignore\[[a-z-]+(, ?[a-z-]+)*\]", line)
            # The reason sits after the ignore on the same line, or in a comment line just above.
            previous = path.read_text().splitlines()[number - 2].strip() if number > 1 else ""
            says_why = re.search(r"type: ignore\[[^\]]*\]\s*#\s*\S", line) or previous.startswith("#")
            if not (names_code and says_why):
                unexplained.append(f"{name}:{number}")
    assert unexplained == []


def test_no_module_grows_far_past_three_hundred_lines() -> None:
    limit = 330  # "about 300": a little slack, so that a split is planned rather than forced mid-change
    sizes = {name: len(path.read_text().splitlines()) for name, path in app_modules().items()}

    assert {name: lines for name, lines in sizes.items() if lines > limit} == {}
