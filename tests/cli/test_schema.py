"""`pricebook schema`: print the catalog schema or write every schema to a folder."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from pricebook.load.schema import schema_text
from tests.conftest import ACME


def test_prints_the_catalog_schema(cli) -> None:
    res = cli("schema")
    assert res.code == 0
    data = json.loads(res.out)
    assert data["title"] == "pricebook catalog file"
    jsonschema.Draft202012Validator.check_schema(data)


def test_acme_files_satisfy_the_printed_schema(cli) -> None:
    schema = json.loads(cli("schema").out)
    validator = jsonschema.Draft202012Validator(schema)
    for f in ACME.rglob("*.yaml"):
        errors = list(validator.iter_errors(yaml.safe_load(f.read_text())))
        assert errors == [], (f, errors[0].message)


def test_writes_to_a_folder(cli, tmp_path: Path) -> None:
    out = tmp_path / "s"
    res = cli("schema", "--out", str(out))
    assert res.code == 0
    assert (out / "catalog.schema.json").read_text() == schema_text()


def test_unknown_name_and_bad_out(cli, tmp_path: Path) -> None:
    assert cli("schema", "--name", "nope.json").code == 2
    (tmp_path / "f").write_text("x")
    res = cli("schema", "--out", str(tmp_path / "f"))
    assert res.code == 2 and "not a folder" in res.err


def test_schema_file_is_generated_from_the_script() -> None:
    """schemas/catalog.schema.json is what tools/gen_schema.py writes (regenerate, don't hand-edit)."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gen_schema", root / "tools" / "gen_schema.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert json.loads((root / "schemas" / "catalog.schema.json").read_text()) == mod.schema
