"""docs/configuration.md's table of variables is the specs' table: a setting added, changed or dropped in
core/config/specs.py without `python -m scripts.configuration_table` fails here."""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from core.config.settings import Settings, configuration_docs_table, field_defaults
from core.config.specs import SETTINGS, configuration_table, described
from scripts.configuration_table import BEGIN, END, with_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
BUILT_FROM_SEVERAL_VARIABLES = {"database_url", "data_dir", "spaces", "whisper_model", "secret_values"}


def documented_table() -> str:
    return DOCS.read_text(encoding="utf-8").split(BEGIN)[1].split(END)[0]


def test_the_docs_table_of_variables_is_the_one_the_specs_make() -> None:
    assert documented_table() == configuration_docs_table(), "run: python -m scripts.configuration_table"


def test_the_docs_table_names_every_variable_once_in_the_specs_order() -> None:
    names = [row.split("`")[1] for row in documented_table().splitlines()[2:]]
    assert names == [spec.name for spec in SETTINGS]


def test_a_changed_default_changes_the_table_so_the_docs_check_can_fail() -> None:
    changed = {**field_defaults(), "caption_max_tokens": 31}
    assert configuration_table(changed) != configuration_docs_table()
    assert "| `CAPTION_MAX_TOKENS` | `31` |" in configuration_table(changed)


def test_rewriting_the_docs_replaces_only_what_lies_between_the_markers() -> None:
    document = f"intro\n{BEGIN}old table\n{END}\nafter\n"
    assert with_table(document, "new table\n") == f"intro\n{BEGIN}new table\n{END}\nafter\n"


def test_every_settings_field_is_read_from_a_spec_or_built_from_a_group() -> None:
    by_spec = {spec.attribute for spec in SETTINGS if spec.parse}
    assert by_spec | BUILT_FROM_SEVERAL_VARIABLES == {f.name for f in fields(Settings)}
    assert by_spec.isdisjoint(BUILT_FROM_SEVERAL_VARIABLES)


def test_no_variable_of_the_contract_leaks_from_the_developers_shell_into_a_test() -> None:
    # tests/conftest.py clears the specs' variables; PRELOAD_MODELS it sets to false on purpose.
    leaked = {spec.name: os.environ[spec.name] for spec in SETTINGS if spec.name in os.environ}
    assert leaked == {"PRELOAD_MODELS": "false"}


def test_home_says_what_a_missing_token_is_for_in_the_specs_words(tmp_path: Path) -> None:
    from core.config.settings import load_settings
    from ui.overview import configuration_facts

    facts = dict(configuration_facts(load_settings({"DATA_DIR": str(tmp_path)}, dotenv_path=None)))
    assert facts["Replicate token"] == f"not set: set REPLICATE_API_TOKEN, {described('REPLICATE_API_TOKEN')}"
