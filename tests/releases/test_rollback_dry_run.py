"""`pricebook rollback --dry-run`, and the refusal without --yes: both show the plan, neither writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from pricebook.releases import cut_release, read_index
from pricebook.releases.grandfather import add_rule
from pricebook.releases.rollback import rollback
from tests.conftest import ROOT, Git
from tests.releases.conftest import bump, catalog_of

PRICEBOOK = Path(sys.executable).parent / "pricebook"
if not PRICEBOOK.exists():  # pragma: no cover - running outside the project's venv
    PRICEBOOK = ROOT / ".venv" / "bin" / "pricebook"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real executable with stdin at /dev/null: no terminal, as in a script or CI job."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([str(PRICEBOOK), *args], cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, timeout=120)


@pytest.fixture
def two(acme_repo: Git) -> Git:
    """Releases a (launch) and b (Pro 59), then a grandfathering rule added after b: all committed."""
    cat = catalog_of(acme_repo)
    cut_release(cat, "a", effective=date(2026, 1, 1))
    acme_repo.commit_all("release a")
    bump(cat)
    cut_release(cat, "b", effective=date(2026, 2, 1))
    acme_repo.commit_all("release b")
    add_rule(cat, "a", plans=["pro"], subscribed_before=date(2026, 1, 15), rule_id="early")
    acme_repo.commit_all("grandfather early Pro customers")
    return acme_repo


def _unchanged(repo: Git, head: str) -> None:
    assert repo("status", "--porcelain") == ""
    assert repo("rev-parse", "HEAD") == head
    assert [e.id for e in read_index(catalog_of(repo))] == ["a", "b"]


def test_dry_run_prints_the_plan_on_stdout_and_writes_nothing(two: Git) -> None:
    head = two("rev-parse", "HEAD")
    r = run("rollback", "--dry-run", "--effective", "2026-04-01", cwd=two.root)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "Roll back to release a: release 2026.04.01" in out and "will replace b" in out
    assert "restored  catalogs/acme/plans/pro.yaml" in out
    assert "release   catalogs/acme/releases/2026.04.01.json" in out
    assert "early" in out and "no longer apply" in out  # the grandfathering rule it drops
    assert "nothing was written" in out
    _unchanged(two, head)


def test_dry_run_json_has_the_files_and_written_false(two: Git) -> None:
    head = two("rev-parse", "HEAD")
    r = run("rollback", "--dry-run", "--commit", "--format", "json", "--effective", "2026-04-01",
            cwd=two.root)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "dry_run" and out["written"] is False and out["commit"] is None
    assert (out["target"], out["replaced"], out["release"]["id"]) == ("a", "b", "2026.04.01")
    assert {f["action"] for f in out["files"]} == {"restored", "emptied", "release", "index"}
    assert "early" in out["note"]
    _unchanged(two, head)


def test_refusal_without_a_terminal_shows_the_plan_first(two: Git) -> None:
    head = two("rev-parse", "HEAD")
    r = run("rollback", "--effective", "2026-04-01", "--format", "json", cwd=two.root)
    assert r.returncode == 1
    assert r.stdout == ""  # scripts reading stdout see no half result
    plan_at = r.stderr.index("Roll back to release a")
    assert "catalogs/acme/plans/pro.yaml" in r.stderr and "early" in r.stderr
    assert r.stderr.index("pass --yes") > plan_at
    _unchanged(two, head)


def test_dry_run_from_python_skips_confirm(two: Git) -> None:
    asked = []
    r = rollback(catalog_of(two), effective=date(2026, 4, 1), dry_run=True,
                 confirm=lambda plan: asked.append(plan) or True)
    assert r.status == "dry_run" and not asked
    assert r.describe()[0].startswith("Roll back to release a: release 2026.04.01")
    assert two("status", "--porcelain") == ""


@pytest.fixture
def shallow(two: Git, tmp_path: Path) -> Path:
    """A depth-1 clone of ``two``: release a's source commit is missing, so the snapshot is used."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{two.root}", str(clone)], check=True)
    return clone


def test_dry_run_in_a_shallow_clone_says_it_would_write_the_snapshot(shallow: Path) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=shallow, capture_output=True, text=True,
                          check=True).stdout
    r = run("rollback", "--dry-run", "--effective", "2026-04-01", cwd=shallow)
    assert r.returncode == 0, r.stderr
    assert "would write the release snapshot back as YAML source" in r.stdout
    assert "wrote" not in r.stdout
    assert "nothing was written" in r.stdout
    r = run("rollback", "--dry-run", "--format", "json", "--effective", "2026-04-01", cwd=shallow)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["method"] == "snapshot" and out["written"] is False
    assert "would write the release snapshot back" in out["note"] and "wrote" not in out["note"]
    assert "early" in out["note"]  # the dropped grandfathering rule is still named
    assert subprocess.run(["git", "status", "--porcelain"], cwd=shallow, capture_output=True, text=True,
                          check=True).stdout == ""
    assert subprocess.run(["git", "rev-parse", "HEAD"], cwd=shallow, capture_output=True, text=True,
                          check=True).stdout == head

