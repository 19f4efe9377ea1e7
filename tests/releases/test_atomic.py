"""A crash in the middle of writing (os.replace failing on its Nth call) leaves every file old or
new, never partial, and validation either passes or says clearly what is wrong."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pricebook.releases import cut_release, read_index
from pricebook.releases.grandfather import add_rule
from pricebook.releases.rollback import rollback
from pricebook.validation import validate_path
from tests.releases.conftest import bump, catalog_of


class Crash(Exception):
    pass


def crash_on(monkeypatch: pytest.MonkeyPatch, n: int) -> list[int]:
    """Make the n-th os.replace call raise (only that one: later calls, e.g. a restore, work)."""
    real = os.replace
    calls = [0]

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        calls[0] += 1
        if calls[0] == n:
            raise Crash(f"simulated crash on rename {n}")
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def state(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.parts}


def no_temporaries(root: Path) -> bool:
    return not [p for p in root.rglob(".*.tmp")]


def run_crashing(monkeypatch: pytest.MonkeyPatch, n: int, action: Callable[[], object]) -> bool:
    calls = crash_on(monkeypatch, n)
    try:
        action()
        crashed = False
    except Crash:
        crashed = True
    finally:
        monkeypatch.undo()
    return crashed and calls[0] >= n


@pytest.mark.parametrize("n", [1, 2])
def test_release_killed_mid_write(acme_copy: Path, monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    bump(acme_copy)
    before = state(acme_copy)
    assert run_crashing(monkeypatch, n, lambda: cut_release(acme_copy, "b", effective=date(2026, 2, 1)))
    after = state(acme_copy)
    assert no_temporaries(acme_copy)
    assert after["releases/index.yaml"] == before["releases/index.yaml"]  # the index is written last
    result = validate_path(acme_copy)
    if n == 1:
        assert after == before and result.valid
    else:  # the snapshot landed whole, the index did not: reported, naming the release
        assert set(after) - set(before) == {"releases/b.json"}
        errors = [(d.rule, d.path) for d in result.diagnostics if d.severity == "error"]
        assert errors == [("PB203", "releases.b")]
    # nothing partial: a retry after removing the stray snapshot succeeds
    (acme_copy / "releases" / "b.json").unlink(missing_ok=True)
    assert cut_release(acme_copy, "b", effective=date(2026, 2, 1)).id == "b"


def test_grandfather_killed_mid_write(acme_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cut_release(acme_copy, "a", effective=date(2026, 1, 1))
    add_rule(acme_copy, "a", plans=["pro"], subscribed_before=date(2026, 6, 1), rule_id="one")
    before = state(acme_copy)
    assert run_crashing(monkeypatch, 1, lambda: add_rule(acme_copy, "a", customers=["c1"], rule_id="two"))
    assert state(acme_copy) == before and no_temporaries(acme_copy)
    assert validate_path(acme_copy).valid


def test_rollback_killed_at_every_rename_puts_everything_back(acme_repo,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    cat = catalog_of(acme_repo)
    cut_release(cat, "a", effective=date(2026, 1, 1))
    acme_repo.commit_all("release a")
    bump(cat)
    bump(cat, '"19.00"', '"29.00"', "plans/starter.yaml")
    (cat / "extra.yaml").write_text("skus:\n  extra: {name: Extra}\n")
    cut_release(cat, "b", effective=date(2026, 2, 1))
    acme_repo.commit_all("release b")
    before = state(acme_repo.root)
    # 3 source files (pro, starter restored; extra emptied) + snapshot + index = 5 renames
    for n in range(1, 6):
        assert run_crashing(monkeypatch, n, lambda: rollback(cat, effective=date(2026, 3, 1))), n
        assert state(acme_repo.root) == before, f"crash on rename {n} left changes behind"
        assert no_temporaries(acme_repo.root)
        assert acme_repo("status", "--porcelain") == ""
        assert validate_path(cat).valid
    done = rollback(cat, effective=date(2026, 3, 1))
    assert done.status == "rolled_back" and len(done.files) == 5
    assert [e.id for e in read_index(cat)] == ["a", "b", "2026.03.01"]
