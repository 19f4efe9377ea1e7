"""rollback without the release's files in git edits the source in place: files whose content already
equals the release stay untouched, a changed file keeps its comments, quoting and `extends` on every
line the rollback does not need to change (SPEC §3)."""

from __future__ import annotations

import difflib
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from pricebook.load import load_catalog
from pricebook.load.dump import catalog_to_data
from pricebook.releases import cut_release
from pricebook.releases.rollback import rollback
from tests.conftest import ACME, Git
from tests.releases.conftest import bump


def sources(cat: Path) -> dict[str, str]:
    return {p.relative_to(cat).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(cat.rglob("*.yaml")) if "releases" not in p.parts}


def changed_lines(old: str, new: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def loaded(cat: Path) -> dict:
    return catalog_to_data(load_catalog(cat).catalog)


def snapshot(cat: Path, rid: str) -> dict:
    return json.loads((cat / "releases" / f"{rid}.json").read_text())


def test_the_one_changed_amount_is_edited_in_place(cli, git_repo: Git) -> None:
    """The reported case: release 2026.01.01 was cut from uncommitted edits (Pro 55), so no commit
    reproduces it and the snapshot is used. Only pro.yaml's one amount may change."""
    assert cli("init", git_repo.root, "--name", "shop").code == 0
    git_repo.commit_all("init")
    cat = git_repo.root / "catalogs" / "shop"
    bump(cat, '"49.00"', '"55.00"')
    assert cli("release", "--effective", "2026-01-01", cwd=git_repo.root).code == 0
    git_repo("checkout", "-q", "catalogs/shop/plans/pro.yaml")
    bump(cat, '"49.00"', '"59.00"')
    git_repo.commit_all("c")
    assert cli("release", "--effective", "2026-02-01", cwd=git_repo.root).code == 0
    git_repo.commit_all("r")
    before = sources(cat)

    res = cli("rollback", "--to", "2026.01.01", "--yes", "--format", "json", cwd=git_repo.root)
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["method"] == "snapshot"
    assert [(Path(f["path"]).name, f["action"]) for f in out["files"]][:-2] == [("pro.yaml", "written")]
    after = sources(cat)
    assert {rel for rel in before if before[rel] != after[rel]} == {"plans/pro.yaml"}
    assert changed_lines(before["plans/pro.yaml"], after["plans/pro.yaml"]) == [
        '-      platform: {model: flat, amount: "59.00"}',
        '+      platform: {model: flat, amount: "55.00"}',
    ]
    diff = git_repo("diff", "--", "catalogs/shop/catalog.yaml", "catalogs/shop/plans")
    assert not re.search(r"^-(#|.*extends)", diff, re.MULTILINE), diff  # no comment, no extends lost
    assert loaded(cat) == snapshot(cat, "2026.01.01")
    assert cli("fmt", "--check", cwd=git_repo.root).code == 0
    assert cli("validate", cwd=git_repo.root).code == 0


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """acme outside git (so every rollback is a snapshot rebuild), release a cut."""
    cat = tmp_path / "acme"
    shutil.copytree(ACME, cat)
    cut_release(cat, "a", effective=date(2026, 1, 1))
    return cat


def roll_back(cat: Path, change) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Apply ``change``, release it as b, roll back to a: (sources before, after, files written)."""
    change(cat)
    cut_release(cat, "b", effective=date(2026, 2, 1))
    before = sources(cat)
    r = rollback(cat, to="a", effective=date(2026, 3, 1))
    assert r.method == "snapshot" and loaded(cat) == snapshot(cat, "a")
    after = sources(cat)
    written = [Path(f["path"]).relative_to(cat).as_posix() for f in r.files[:-2]]
    assert {rel for rel in after if before.get(rel) != after[rel]} == set(written)
    return before, after, written


def edit(cat: Path, rel: str, old: str, new: str) -> None:
    p = cat / rel
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_value_a_plan_overrides_since_is_set_back_keeping_extends(acme: Path) -> None:
    before, after, written = roll_back(acme, lambda c: edit(
        c, "plans/pro.yaml", '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "45.00"}'))
    assert written == ["plans/pro.yaml"]
    assert changed_lines(before["plans/pro.yaml"], after["plans/pro.yaml"]) == [
        '-      platform: {model: flat, amount: {USD: "59.00", EUR: "45.00"}}',
        '+      platform: {model: flat, amount: {USD: "49.00", EUR: "45.00"}}',
    ]


def test_a_base_plan_is_edited_and_the_plans_extending_it_are_not(acme: Path) -> None:
    _, after, written = roll_back(acme, lambda c: edit(c, "plans/starter.yaml", "name: Starter",
                                                       "name: Starter Plus"))
    assert written == ["plans/starter.yaml"] and "extends: starter" in after["plans/pro.yaml"]


def test_a_price_added_since_goes_with_its_line_only(acme: Path) -> None:
    line = '      support: {model: flat, amount: {USD: "5.00", EUR: "5.00"}}\n'
    before, after, written = roll_back(acme, lambda c: edit(c, "plans/pro.yaml", "    prices:\n",
                                                            "    prices:\n" + line))
    assert written == ["plans/pro.yaml"]
    assert changed_lines(before["plans/pro.yaml"], after["plans/pro.yaml"]) == ["-" + line.rstrip("\n")]


def test_an_inherited_value_overridden_since_keeps_extends(acme: Path) -> None:
    """Pro inherited billing_period (month) at release a and overrides it (year) since: the value is
    set back where Pro writes it; extends and every comment stay."""
    before, after, written = roll_back(acme, lambda c: edit(c, "plans/pro.yaml", "    prices:\n",
                                                            "    billing_period: year\n    prices:\n"))
    assert written == ["plans/pro.yaml"]
    assert changed_lines(before["plans/pro.yaml"], after["plans/pro.yaml"]) == [
        "-    billing_period: year", "+    billing_period: month"]


def test_a_longer_tier_list_is_written_again_and_nothing_else(acme: Path) -> None:
    new_tier = '          - {up_to: 5000, unit_price: {USD: "0.06", EUR: "0.05"}}\n'
    last = '          - {unit_price: {USD: "0.05", EUR: "0.045"}'
    before, after, written = roll_back(acme, lambda c: edit(c, "plans/pro.yaml", last, new_tier + last))
    assert written == ["plans/pro.yaml"]
    assert changed_lines(before["plans/pro.yaml"], after["plans/pro.yaml"]) == ["-" + new_tier.rstrip("\n")]


def test_a_plan_added_since_empties_its_file_and_touches_no_other(acme: Path) -> None:
    team = "# Team\nplans:\n  team:\n    name: Team\n    extends: pro\n"
    _, after, written = roll_back(acme, lambda c: (c / "plans" / "team.yaml").write_text(team))
    assert written == ["plans/team.yaml"] and after["plans/team.yaml"].startswith("# Emptied by")


def test_a_plan_added_to_a_file_since_goes_with_its_block_only(acme: Path) -> None:
    block = "  pro-plus:   # for bigger teams\n    name: Pro Plus\n    extends: pro\n"
    pro = (acme / "plans" / "pro.yaml").read_text()
    before, after, written = roll_back(acme, lambda c: (c / "plans" / "pro.yaml").write_text(pro + block))
    assert written == ["plans/pro.yaml"] and after["plans/pro.yaml"] == pro


def recut(cat: Path) -> None:
    """Release a again, of the catalog as it is now."""
    (cat / "releases" / "index.yaml").unlink()
    (cat / "releases" / "a.json").unlink()
    cut_release(cat, "a", effective=date(2026, 1, 1))


def test_a_meter_removed_since_is_added_back_and_the_rest_kept(acme: Path) -> None:
    line = "  gpus: {name: GPUs, unit: gpu, aggregation: max}\n"
    edit(acme, "catalog.yaml", "  seats: {name: Seats", line + "  seats: {name: Seats")
    recut(acme)
    before, after, written = roll_back(acme, lambda c: edit(c, "catalog.yaml", line, ""))
    assert written == ["catalog.yaml"]
    assert changed_lines(before["catalog.yaml"], after["catalog.yaml"]) == ["+" + line.rstrip("\n")]


def test_a_file_it_cannot_splice_is_written_whole(acme: Path) -> None:
    """A flow-style collection holding a plan release a lacks: the plan cannot be cut out as lines,
    so that one file is written from the snapshot (the last resort); the others stay untouched."""
    flow = "# two plans\nplans: {extra: {name: Extra, extends: pro}, more: {name: More, extends: pro}}\n"
    _, after, written = roll_back(acme, lambda c: (c / "plans" / "extra.yaml").write_text(flow))
    assert written == ["plans/extra.yaml"] and after["plans/extra.yaml"].startswith("# Emptied by")


def test_crlf_files_keep_their_line_ends(acme: Path) -> None:
    pro = acme / "plans" / "pro.yaml"
    original = pro.read_bytes().replace(b"\n", b"\r\n")
    pro.write_bytes(original)
    recut(acme)
    pro.write_bytes(original.replace(b'{USD: "49.00", EUR: "45.00"}', b'{USD: "59.00", EUR: "45.00"}'))
    cut_release(acme, "b", effective=date(2026, 2, 1))
    rollback(acme, to="a", effective=date(2026, 3, 1))
    assert pro.read_bytes() == original
