"""grandfather add/expire keep every untouched line byte for byte; list counts coverage."""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path

import pytest

from pricebook.errors import GuardError, InputError, UsageError
from pricebook.load import load_catalog
from pricebook.releases import cut_release
from pricebook.releases.grandfather import add_rule, expire_rule, list_rules, read_customer_ids
from tests.conftest import write_files

HOLDER = """\
# yaml-language-server: $schema=../schemas/catalog.schema.json
# Rules agreed with sales on 2026-05-20.
grandfathering:
    # the first Pro cohort keeps launch prices
    legacy-pro:   # ticket PRICE-12
        plans: ['pro']
        subscribed_before: "2026-06-01"     # quoted on purpose
        release: 2026.01.01
    flowy: {plans: [starter], subscribed_before: 2026-05-01, release: 2026.01.01}  # one line

# add-ons follow
add_ons:
  extra-seat-pack:
    {name: "Extra seats", currencies: [USD, EUR], available_for: [pro],
     prices: {seats: {model: flat, amount: {USD: "5.00", EUR: "4.50"}}}}
"""


@pytest.fixture
def cat(acme_copy: Path) -> Path:
    cut_release(acme_copy, effective=date(2026, 1, 1))
    return acme_copy


def changed_lines(old: str, new: str) -> list[tuple[str, list[str], list[str]]]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [(tag, a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in ops if tag != "equal"]


def test_new_rule_goes_to_a_new_file_when_no_file_holds_grandfathering(cat: Path) -> None:
    edit = add_rule(cat, "2026.01.01", plans=["pro"], subscribed_before=date(2026, 6, 1),
                    until=date(2027, 1, 1))
    assert edit.created_file and edit.file == cat / "grandfathering.yaml"
    rule = load_catalog(cat).catalog.grandfathering["pro-before-2026-06-01"]
    assert (rule.plans, rule.subscribed_before, rule.release, rule.until) == (
        ("pro",), date(2026, 6, 1), "2026.01.01", date(2027, 1, 1))


def test_add_only_inserts_lines_and_keeps_the_rest_byte_for_byte(cat: Path) -> None:
    write_files(cat, {"rules.yaml": HOLDER})
    before = (cat / "rules.yaml").read_bytes()
    edit = add_rule(cat, "2026.01.01", customers=["cus_1", "007"], rule_id="vip")
    assert edit.file == cat / "rules.yaml" and not edit.created_file
    after = (cat / "rules.yaml").read_bytes()
    diff = changed_lines(before.decode(), after.decode())
    assert [tag for tag, _, _ in diff] == ["insert"]
    inserted = "".join(diff[0][2])
    assert inserted == "    vip:\n        customers: [cus_1, '007']\n        release: 2026.01.01\n"
    # the new rule lands inside the block, before the comment that introduces the next section
    assert after.decode().index("vip:") < after.decode().index("# add-ons follow")
    rule = load_catalog(cat).catalog.grandfathering["vip"]
    assert rule.customers == ("cus_1", "007")


def test_expire_changes_one_value_in_place_or_inserts_one_line(cat: Path) -> None:
    write_files(cat, {"rules.yaml": HOLDER})
    before = (cat / "rules.yaml").read_text()
    expire_rule(cat, "legacy-pro", date(2027, 1, 1))
    mid = (cat / "rules.yaml").read_text()
    assert changed_lines(before, mid) == [("insert", [], ["        until: 2027-01-01\n"])]
    expire_rule(cat, "legacy-pro", date(2026, 12, 1))  # now it exists: replaced in place
    after = (cat / "rules.yaml").read_text()
    assert changed_lines(mid, after) == [
        ("replace", ["        until: 2027-01-01\n"], ["        until: 2026-12-01\n"])]
    expire_rule(cat, "flowy", date(2026, 9, 1))
    last = (cat / "rules.yaml").read_text()
    assert changed_lines(after, last) == [(
        "replace",
        ["    flowy: {plans: [starter], subscribed_before: 2026-05-01, release: 2026.01.01}  # one line\n"],
        ["    flowy: {plans: [starter], subscribed_before: 2026-05-01, release: 2026.01.01, "
         "until: 2026-09-01}  # one line\n"])]
    rules = load_catalog(cat).catalog.grandfathering
    assert rules["legacy-pro"].until == date(2026, 12, 1) and rules["flowy"].until == date(2026, 9, 1)


def test_quoted_until_is_replaced_keeping_the_rest_of_the_line(cat: Path) -> None:
    write_files(cat, {"rules.yaml": 'grandfathering:\n  r:\n    plans: [pro]\n'
                                    '    subscribed_before: 2026-06-01\n'
                                    '    until: "2030-01-01"   # far away\n    release: 2026.01.01\n'})
    expire_rule(cat, "r", date(2026, 12, 24))
    assert '    until: 2026-12-24   # far away\n' in (cat / "rules.yaml").read_text()


def test_refusals_write_nothing(cat: Path) -> None:
    write_files(cat, {"rules.yaml": HOLDER})
    before = (cat / "rules.yaml").read_bytes()
    with pytest.raises(GuardError, match="release 'nope' does not exist"):
        add_rule(cat, "nope", plans=["pro"], subscribed_before=date(2026, 1, 1))
    with pytest.raises(GuardError, match="already exists"):
        add_rule(cat, "2026.01.01", plans=["pro"], subscribed_before=date(2026, 1, 1), rule_id="legacy-pro")
    with pytest.raises(GuardError, match="PB106"):  # unknown plan: the edited catalog would not validate
        add_rule(cat, "2026.01.01", plans=["platinum"], subscribed_before=date(2026, 1, 1))
    with pytest.raises(UsageError):
        add_rule(cat, "2026.01.01", plans=["pro"])
    with pytest.raises(UsageError, match="no grandfathering rule 'ghost'"):
        expire_rule(cat, "ghost")
    assert (cat / "rules.yaml").read_bytes() == before
    assert not (cat / "grandfathering.yaml").exists()


def test_empty_grandfathering_key_is_filled(cat: Path) -> None:
    write_files(cat, {"rules.yaml": "# keep me\ngrandfathering: {}   # none yet\n"})
    add_rule(cat, "2026.01.01", plans=["pro"], subscribed_before=date(2026, 6, 1), rule_id="r1")
    text = (cat / "rules.yaml").read_text()
    assert text.startswith("# keep me\ngrandfathering:  # none yet\n  r1:\n")
    assert "r1" in load_catalog(cat).catalog.grandfathering


def test_customers_file_forms(tmp_path: Path) -> None:
    plain = tmp_path / "ids.txt"
    plain.write_text("# exported 2026-05\ncus_1\n\ncus_2\ncus_1\n")
    assert read_customer_ids(plain) == ["cus_1", "cus_2"]
    csvf = tmp_path / "ids.csv"
    csvf.write_text("name,customer_id\nAda,c1\nBob,c2\n")
    assert read_customer_ids(csvf) == ["c1", "c2"]
    bad = tmp_path / "bad.csv"
    bad.write_text("name,id\nAda,c1\n")
    with pytest.raises(InputError, match="no 'customer_id' column"):
        read_customer_ids(bad)


def test_list_counts_covered_customers(cat: Path, tmp_path: Path) -> None:
    add_rule(cat, "2026.01.01", plans=["pro"], subscribed_before=date(2026, 6, 1), rule_id="legacy",
             until=date(2026, 7, 1))
    add_rule(cat, "2026.01.01", customers=["c3", "c9"], rule_id="vip")
    subs = tmp_path / "subs.csv"
    subs.write_text("customer_id,plan,subscribed_at\nc1,pro,2026-01-05\nc2,pro,2026-06-01\nc3,starter,2025-01-01\n"
                    "c4,pro,2026-05-31T23:00:00\n")
    rows = {r.id: r for r in list_rules(cat, subs, today=date(2026, 8, 1))}
    assert rows["legacy"].covered == 2 and not rows["legacy"].active   # c1, c4; expired on 2026-07-01
    assert rows["vip"].covered == 1 and rows["vip"].active
    assert rows["vip"].release_exists and rows["legacy"].location.endswith("grandfathering.yaml:4:3")


LAYOUTS = {
    "two spaces": "grandfathering:\n  old:\n    plans:\n      - pro\n    subscribed_before: 2026-05-01\n"
                  "    release: '2026.01.01'\n",
    "four spaces, dash at parent column": "grandfathering:\n    old:\n        plans:\n        - pro\n"
                                          "        subscribed_before: 2026-05-01   # note\n"
                                          "        release: \"2026.01.01\"\n\n\n# trailing comment\n",
    "last key without newline at EOF": ("# rules\ngrandfathering:\n"
                                        "  old: {plans: [pro], subscribed_before: 2026-05-01, "
                                        "release: 2026.01.01}"),
}


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
def test_every_old_line_survives_in_any_layout(cat: Path, layout: str, crlf: bool) -> None:
    text = LAYOUTS[layout]
    if crlf:
        text = text.replace("\n", "\r\n")
    f = cat / "rules.yaml"
    f.write_bytes(text.encode())
    add_rule(cat, "2026.01.01", plans=["starter"], subscribed_before=date(2026, 3, 1), rule_id="new")
    expire_rule(cat, "old", date(2026, 12, 1))
    after = f.read_bytes().decode()
    nl = "\r\n" if crlf else "\n"
    old_lines = text.split(nl)
    new_lines = after.split(nl)
    # every old line is still there, in order (insertions and one until value aside)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            assert all("old: {" in ln for ln in old_lines[i1:i2]), (tag, old_lines[i1:i2])
    if crlf:
        assert "\n" not in after.replace("\r\n", "")  # no bare LF introduced
    rules = load_catalog(cat).catalog.grandfathering
    assert rules["new"].plans == ("starter",) and rules["old"].until == date(2026, 12, 1)
