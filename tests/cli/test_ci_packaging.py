"""The GitHub Action and the pre-commit hooks: inputs mirror the flags, entries are real commands."""

from __future__ import annotations

import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, CliResult

Cli = Callable[..., CliResult]


def _action() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))


def test_action_inputs_mirror_the_flags() -> None:
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"catalog", "base", "fail-on", "python-version", "version", "cache"}


def test_action_keeps_the_cache_where_pricebook_writes_it() -> None:
    """The cached folder is the one the ci step tells pricebook to use, and it is restored first."""
    steps = _action()["runs"]["steps"]
    [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    [ci] = [s for s in steps if s.get("name") == "pricebook ci"]
    assert cache["with"]["path"] == ci["env"]["PRICEBOOK_CACHE_DIR"] == "${{ runner.temp }}/pricebook-cache"
    assert cache["if"] == "inputs.cache == 'true'" and _action()["inputs"]["cache"]["default"] == "true"
    assert steps.index(cache) < steps.index(ci)


def _run_step(env: dict[str, str], cwd: Path, tmp_path: Path) -> list[str]:
    """Run the action's `pricebook ci` step in bash with a stand-in pricebook that prints its args."""
    step = next(s for s in _action()["runs"]["steps"] if s.get("name") == "pricebook ci")
    fake = tmp_path / "bin" / "pricebook"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    full_env = {
        "PATH": f"{fake.parent}:{os.environ['PATH']}",
        "INPUT_CATALOG": "",
        "INPUT_BASE": "",
        "INPUT_FAIL_ON": "",
        **env,
    }
    res = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=cwd, env=full_env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    return res.stdout.split()


@pytest.mark.parametrize(
    ("env", "settings", "expected"),
    [
        ({}, None, ["ci"]),
        (
            {"INPUT_CATALOG": "catalogs/acme", "INPUT_FAIL_ON": "warning"},
            None,
            ["ci", "--catalog", "catalogs/acme", "--fail-on", "warning"],
        ),
        ({"GITHUB_BASE_REF": "main"}, None, ["ci"]),  # ci derives origin/main, at the merge base
        # ci derives it: the pull request's base branch wins over pricebook.yaml's base
        ({"GITHUB_BASE_REF": "main"}, "base: origin/release\n", ["ci"]),
        ({"GITHUB_BASE_REF": "main", "INPUT_BASE": "v1"}, "base: origin/release\n", ["ci", "--base", "v1"]),
    ],
)
def test_action_builds_the_ci_command(
    tmp_path: Path, env: dict[str, str], settings: str | None, expected: list[str]
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    if settings:
        (work / "pricebook.yaml").write_text(settings, encoding="utf-8")
    assert _run_step(env, work, tmp_path) == expected


def test_pre_commit_hooks_run_real_commands(cli: Cli) -> None:
    hooks = {
        h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    }
    assert set(hooks) == {"pricebook-validate", "pricebook-fmt", "pricebook-diff"}
    assert hooks["pricebook-fmt"]["entry"] == "pricebook fmt --check"
    for hook in hooks.values():
        prog, *args = hook["entry"].split()
        assert prog == "pricebook" and hook["pass_filenames"] is False
        res = cli(*args, "--help")
        assert res.code == 0, (hook["id"], res.err)
        for flag in (a for a in args if a.startswith("--")):
            assert flag in res.out


def test_examples_use_the_shipped_hooks_and_action() -> None:
    config = yaml.safe_load(
        (ROOT / "examples/pre-commit/.pre-commit-config.yaml").read_text(encoding="utf-8")
    )
    used = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    shipped = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert used == shipped
    workflow = yaml.safe_load((ROOT / "examples/github-action/pricebook.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["pricing"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    assert set(steps[1]["with"]) <= set(_action()["inputs"])
