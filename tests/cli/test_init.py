"""`pricebook init`: a new repository that validates clean; never overwrites."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from pricebook.load.schema import schema_text


def test_init_then_validate_exits_0(cli, tmp_path: Path) -> None:
    repo = tmp_path / "Acme Pricing"
    res = cli("init", str(repo))
    assert res.code == 0, res.err
    assert "created pricebook.yaml" in res.out
    settings = yaml.safe_load((repo / "pricebook.yaml").read_text())
    assert settings["catalog"] == "catalogs/acme-pricing"
    v = cli("validate", "--format", "json", cwd=repo)  # the catalog comes from pricebook.yaml
    assert v.code == 0, v.out + v.err
    assert json.loads(v.out) == {"valid": True, "diagnostics": []}
    assert cli("fmt", "--check", cwd=repo).code == 0


def test_catalog_files_point_at_the_schema_copy(cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path), "--name", "shop").code == 0
    files = sorted((tmp_path / "catalogs" / "shop").rglob("*.yaml"))
    assert len(files) == 3
    for f in files:
        first = f.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema=")
        target = (f.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == (tmp_path / "schemas" / "catalog.schema.json").resolve()
        assert target.read_text() == schema_text()


def test_ci_workflow_and_pre_commit(cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path)).code == 0
    wf = yaml.safe_load((tmp_path / ".github/workflows/pricebook.yml").read_text())
    steps = wf["jobs"]["pricebook"]["steps"]
    assert any(s.get("run") == "pricebook ci" for s in steps)
    [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    [ci] = [s for s in steps if s.get("run") == "pricebook ci"]
    assert cache["with"]["path"] == ci["env"]["PRICEBOOK_CACHE_DIR"]  # the folder pricebook writes
    assert steps.index(cache) < steps.index(ci)
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["id"] for h in hooks] == ["pricebook-validate", "pricebook-fmt"]


def test_refuses_to_overwrite(cli, tmp_path: Path) -> None:
    (tmp_path / "pricebook.yaml").write_text("catalog: mine\n")
    res = cli("init", str(tmp_path))
    assert res.code == 1
    assert "pricebook.yaml" in res.err and "refusing to overwrite" in res.err
    assert (tmp_path / "pricebook.yaml").read_text() == "catalog: mine\n"
    assert not (tmp_path / "catalogs").exists()  # nothing written


def test_bad_name(cli, tmp_path: Path) -> None:
    res = cli("init", str(tmp_path), "--name", "no spaces")
    assert res.code == 2 and "catalog name" in res.err
