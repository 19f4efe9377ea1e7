"""Fixtures for release tests: the example catalog inside a real git repository."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import ACME, Git


@pytest.fixture
def acme_repo(git_repo: Git) -> Git:
    """A git repo holding catalogs/acme, committed once ("init")."""
    shutil.copytree(ACME, git_repo.root / "catalogs" / "acme")
    git_repo.commit_all("init: acme catalog")
    return git_repo


def catalog_of(repo: Git) -> Path:
    return repo.root / "catalogs" / "acme"


def bump(catalog_dir: Path, old: str = '"49.00"', new: str = '"59.00"', file: str = "plans/pro.yaml") -> None:
    """A small, real price change (Pro's platform fee in USD by default)."""
    p = catalog_dir / file
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def released(cli, acme_repo: Git) -> Path:
    """acme in git with release 2026.01.01 cut and committed."""
    cat = catalog_of(acme_repo)
    assert cli("release", "-c", str(cat), "--effective", "2026-01-01").code == 0
    acme_repo.commit_all("release 2026.01.01")
    return cat


@pytest.fixture
def grandfathered(acme_repo: Git) -> Path:
    """Release 1 (Pro 49), then Pro 59 in release 2 (and in the source), with early Pro customers
    (rule legacy-pro) and cus_vip (rule vip) kept on release 1."""
    from pricebook.releases import cut_release
    from pricebook.releases.grandfather import add_rule

    cat = catalog_of(acme_repo)
    r1 = cut_release(cat, effective=date(2026, 1, 1))
    bump(cat)
    cut_release(cat, effective=date(2026, 7, 1))
    add_rule(cat, r1.id, plans=["pro"], subscribed_before=date(2026, 6, 1), rule_id="legacy-pro")
    add_rule(cat, r1.id, customers=["cus_vip"], rule_id="vip")
    return cat
