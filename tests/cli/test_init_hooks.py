"""The pre-commit config `pricebook init` writes runs the hooks pricebook ships: fmt checks, it
does not rewrite files behind the committer's back."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import ROOT


def _hooks(path: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    hooks = data["repos"][0]["hooks"] if isinstance(data, dict) else data
    return {h["id"]: h for h in hooks}


def test_init_fmt_hook_checks_like_the_shipped_hook(cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path), "--name", "shop").code == 0
    written = _hooks(tmp_path / ".pre-commit-config.yaml")
    shipped = _hooks(ROOT / ".pre-commit-hooks.yaml")
    for hook_id in ("pricebook-validate", "pricebook-fmt"):
        assert written[hook_id]["entry"] == shipped[hook_id]["entry"], hook_id
    assert written["pricebook-fmt"]["entry"] == "pricebook fmt --check"


def test_init_fmt_hook_fails_and_changes_nothing(cli, tmp_path: Path) -> None:
    assert cli("init", str(tmp_path), "--name", "shop").code == 0
    entry = str(_hooks(tmp_path / ".pre-commit-config.yaml")["pricebook-fmt"]["entry"])
    prog, *args = entry.split()
    pro = tmp_path / "catalogs" / "shop" / "plans" / "pro.yaml"
    messy = pro.read_text(encoding="utf-8").replace("    name: Pro", "    name:    Pro")
    pro.write_text(messy, encoding="utf-8")
    res = cli(*args, cwd=tmp_path)
    assert prog == "pricebook" and res.code == 1
    assert pro.read_text(encoding="utf-8") == messy
