"""After an edit, ``validate_path`` runs the plan-scoped rules only on the plans of the files the
edit touched (and on the plans those extend), and keeps the findings of the others from the
previous version's result. Every test compares with a fresh check of the same files: an edit is
never answered with a stale or a missing finding, and no finding is reported twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricebook import validation
from pricebook.load import cache as cache_mod
from pricebook.validation import validate_path

NEGATIVE_SEATS = ('seats: {model: per_unit, unit_price: {USD: "10.00", EUR: "9.00"}, included: 1}',
                  'seats: {model: per_unit, unit_price: {USD: "-10.00", EUR: "9.00"}, included: 1}')


@pytest.fixture
def plan_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The result cache on for acme, and the plans each run of the plan-scoped rules saw."""
    monkeypatch.setenv("PRICEBOOK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_mod, "RESULT_MIN_BYTES", 0)
    monkeypatch.setattr(cache_mod, "MIN_BYTES", 0)  # acme's files parse-cached, their plans kept
    seen: list[set[str]] = []
    real = validation._run_watched

    def spy(catalog, root, rules):  # the function under test, observed
        if rules and all(r.scope == "plan" for r in rules):
            seen.append(set(catalog.plans))
        elif any(r.scope == "plan" for r in rules):
            seen.append({"<every plan>"} | set(catalog.plans))
        return real(catalog, root, rules)

    monkeypatch.setattr(validation, "_run_watched", spy)
    monkeypatch.setenv("PRICEBOOK_JOBS", "1")
    return seen


def fresh(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_CACHE_DIR", "off")
        return validate_path(root).diagnostics


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def check(root: Path, monkeypatch: pytest.MonkeyPatch, seen: list[set[str]]) -> tuple[list[object], set[str]]:
    """Validate after an edit: the findings (asserted equal to a fresh check) and the plans the
    plan-scoped rules ran on."""
    seen.clear()
    result = validate_path(root)
    ran = list(seen)  # before the fresh check, which runs the rules too
    assert result.diagnostics == fresh(root, monkeypatch)
    assert len(ran) == (1 if result.catalog is not None else 0)  # no rules on a catalog that fails to load
    return result.diagnostics, ran[0] if ran else set()


def test_only_the_edited_file_is_checked_again(acme_copy: Path, monkeypatch, plan_runs) -> None:
    first, ran = check(acme_copy, monkeypatch, plan_runs)
    assert "<every plan>" in ran  # nothing to reuse yet
    edit(acme_copy / "plans" / "free.yaml", 'amount: "0.00"', 'amount: "-1.00"')
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert ran == {"free"}
    assert [d.rule for d in found if d.path.startswith("plans.free.")] == ["PB114"]


def test_a_parent_edit_checks_its_descendants_again(acme_copy: Path, monkeypatch, plan_runs) -> None:
    check(acme_copy, monkeypatch, plan_runs)
    # starter gains EUR-less prices: pro and enterprise, in files of their own, inherit the plan
    # and must be checked again although their files did not change
    edit(acme_copy / "plans" / "starter.yaml", "currencies: [USD, EUR]", "currencies: [USD, EUR, GBP]")
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert ran == {"starter", "pro", "enterprise"}
    assert {d.path.split(".")[1] for d in found if d.rule == "PB117"} >= {"starter", "pro"}


def test_a_child_edit_does_not_repeat_its_parents_findings(acme_copy: Path, monkeypatch, plan_runs) -> None:
    edit(acme_copy / "plans" / "starter.yaml", *NEGATIVE_SEATS)
    first, _ = check(acme_copy, monkeypatch, plan_runs)
    assert [d.path for d in first if d.rule == "PB114"] == ["plans.starter.prices.seats.unit_price.USD"]
    edit(acme_copy / "plans" / "enterprise.yaml", "name: Enterprise", "name: Enterprise (annual)")
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert ran == {"enterprise", "pro", "starter"}  # its ancestors, for what it inherits
    assert [d.path for d in found if d.rule == "PB114"] == ["plans.starter.prices.seats.unit_price.USD"]


def test_an_edit_outside_plans_checks_every_plan(acme_copy: Path, monkeypatch, plan_runs) -> None:
    check(acme_copy, monkeypatch, plan_runs)
    catalog = acme_copy / "catalog.yaml"
    text = catalog.read_text()
    start = text.index("  seats: {name: Seats, meter: seats}")
    end = text.index("\n", start)
    catalog.write_text(text[:start] + text[end + 1:])  # the SKU every plan prices is gone
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert "<every plan>" in ran
    assert {d.path.split(".")[1] for d in found if d.rule == "PB101"} >= {"starter", "pro", "enterprise"}
    catalog.write_text(text)  # and back: the findings go away everywhere
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert "<every plan>" in ran and not [d for d in found if d.rule == "PB101"]


def test_edits_back_and_forth_equal_fresh_checks(acme_copy: Path, monkeypatch, plan_runs) -> None:
    files = sorted((acme_copy / "plans").glob("*.yaml"))
    originals = {f: f.read_text() for f in files}
    check(acme_copy, monkeypatch, plan_runs)
    for f in files:  # each file in turn: emptied (its plans gone), then restored
        f.write_text("plans: {}\n")
        check(acme_copy, monkeypatch, plan_runs)  # emptying pro.yaml breaks enterprise's extends
        f.write_text(originals[f])
        _, ran = check(acme_copy, monkeypatch, plan_runs)
        assert "free" not in ran or f.name == "free.yaml" or "<every plan>" in ran


def test_plan_ids_with_dots_are_checked_whole(acme_copy: Path, monkeypatch, plan_runs) -> None:
    """``plans.a.b.prices`` could be under plan ``a`` or ``a.b``: such a catalog keeps nothing per file."""
    (acme_copy / "plans" / "dotted.yaml").write_text(
        'plans:\n  team.v2:\n    name: Team\n    prices:\n      platform: {model: flat, amount: "-5"}\n')
    check(acme_copy, monkeypatch, plan_runs)
    edit(acme_copy / "plans" / "free.yaml", 'amount: "0.00"', 'amount: "1.00"')
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert "<every plan>" in ran
    assert [d.path for d in found if d.rule == "PB114"] == ["plans.team.v2.prices.platform.amount"]


def test_a_damaged_previous_result_is_ignored(acme_copy: Path, monkeypatch, plan_runs,
                                              tmp_path: Path) -> None:
    check(acme_copy, monkeypatch, plan_runs)
    [slot] = (tmp_path / "cache" / "results").iterdir()
    slot.write_bytes(slot.read_bytes()[:40] + b"not a pickle")
    edit(acme_copy / "plans" / "free.yaml", 'amount: "0.00"', 'amount: "-1.00"')
    found, ran = check(acme_copy, monkeypatch, plan_runs)
    assert "<every plan>" in ran
    assert "PB114" in [d.rule for d in found]
