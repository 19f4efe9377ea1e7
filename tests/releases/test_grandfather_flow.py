"""`grandfather expire` edits a rule written in flow style wherever it sits — inside a flow
`grandfathering: {...}`, on one line or across lines, or as a flow rule under a block key — changing
one line and keeping every other byte (comments included); the result validates, and a file `fmt`
left alone stays that way."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pricebook.load import load_catalog
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ON = "2026-12-01"


# (file as written, the one line expire changes, that line afterwards, whether fmt leaves the file as it is:
# a flow collection over several lines with comments inside is kept as written, see pricebook.fmt)
CASES = {
    "flow block on one line, first rule": (
        "# rules agreed with sales\n"
        "grandfathering: {legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}, "
        "vip: {customers: [c1], release: 2026.01.01}}  # PRICE-12\n",
        "legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}, ",
        "legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01, until: 2026-12-01}, ",
        True,
    ),
    "flow block on one line, last rule": (
        "grandfathering: {vip: {customers: [c1], release: 2026.01.01}, "
        "legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}}\n",
        "release: 2026.01.01}}\n",
        "release: 2026.01.01, until: 2026-12-01}}\n",
        True,
    ),
    "flow rule under a block key": (
        "grandfathering:\n"
        "  # the first Pro cohort\n"
        "  legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}  # PRICE-12\n"
        "  vip:\n"
        "    customers: [c1]\n"
        "    release: 2026.01.01\n",
        "release: 2026.01.01}  # PRICE-12\n",
        "release: 2026.01.01, until: 2026-12-01}  # PRICE-12\n",
        True,
    ),
    "flow block across lines": (
        "grandfathering: {\n"
        "  # the first Pro cohort\n"
        "  legacy-pro: {plans: [pro], subscribed_before: 2026-06-01,\n"
        "               release: 2026.01.01},  # PRICE-12\n"
        "  vip: {customers: [c1], release: 2026.01.01},\n"
        "}\n",
        "               release: 2026.01.01},  # PRICE-12\n",
        "               release: 2026.01.01, until: 2026-12-01},  # PRICE-12\n",
        True,  # fmt would write the flow block on one line and drop its comments: it keeps the file
    ),
    "flow rule across lines, brace on its own line, trailing comma": (
        "grandfathering:\n"
        "  legacy-pro: {\n"
        "    plans: [pro],  # the cohort\n"
        "    subscribed_before: 2026-06-01,\n"
        '    release: "2026.01.01",  # launch prices\n'
        "  }\n",
        '    release: "2026.01.01",  # launch prices\n',
        '    release: "2026.01.01", until: 2026-12-01,  # launch prices\n',
        True,  # as above
    ),
    "quoted values holding braces and hashes": (
        "grandfathering:\n"
        "  legacy-pro: {customers: [\"a}b\", 'c # d', \"{e\"], release: 2026.01.01}  # vips\n",
        "release: 2026.01.01}  # vips\n",
        "release: 2026.01.01, until: 2026-12-01}  # vips\n",
        True,
    ),
    "until already set, inside a flow block": (
        "grandfathering: {legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, until: 2030-01-01, "
        "release: 2026.01.01}}\n",
        "until: 2030-01-01, ",
        "until: 2026-12-01, ",
        True,
    ),
}


def fmt_clean(cli: Cli, cat: Path) -> bool:
    res = cli("fmt", "--check", str(cat))
    assert res.code in (0, 1), res.err
    return res.code == 0


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_expire_edits_a_flow_rule_in_place(cli: Cli, released: Path, case: str, crlf: bool) -> None:
    text, old, new, formatted = CASES[case]
    nl = "\r\n" if crlf else "\n"
    f = released / "grandfathering.yaml"
    f.write_bytes(text.replace("\n", nl).encode())
    assert fmt_clean(cli, released) is formatted

    res = cli("grandfather", "expire", "legacy-pro", "-c", str(released), "--on", ON)
    assert res.code == 0, res.err
    assert res.out == f"grandfathering rule 'legacy-pro' ends on {ON} ({f})\n"
    # exactly the intended bytes: one line changed, every other byte (comments, line ends) as it was
    assert text.count(old) == 1
    assert f.read_bytes() == text.replace(old, new).replace("\n", nl).encode()

    rules = load_catalog(released).catalog.grandfathering
    assert rules["legacy-pro"].until == date(2026, 12, 1)
    assert all(r.until is None for rid, r in rules.items() if rid != "legacy-pro")
    assert cli("validate", str(released)).code == 0
    assert fmt_clean(cli, released) is formatted  # a file fmt leaves alone stays that way


def test_block_style_still_inserts_then_replaces_one_line(cli: Cli, released: Path) -> None:
    text = ("# Rules agreed with sales on 2026-05-20.\n"
            "grandfathering:\n"
            "  # the first Pro cohort keeps launch prices\n"
            "  legacy-pro:   # ticket PRICE-12\n"
            "    plans: [pro]\n"
            "    subscribed_before: 2026-06-01   # agreed date\n"
            "    release: 2026.01.01\n"
            "\n"
            "# the end\n")
    f = released / "grandfathering.yaml"
    f.write_text(text, encoding="utf-8")
    assert fmt_clean(cli, released)
    assert cli("grandfather", "expire", "legacy-pro", "-c", str(released), "--on", "2027-01-01").code == 0
    mid = f.read_text(encoding="utf-8")
    assert mid == text.replace("    release: 2026.01.01\n",
                               "    release: 2026.01.01\n    until: 2027-01-01\n")
    assert cli("grandfather", "expire", "legacy-pro", "-c", str(released), "--on", ON).code == 0
    assert f.read_text(encoding="utf-8") == mid.replace("until: 2027-01-01", f"until: {ON}")
    assert cli("validate", str(released)).code == 0 and fmt_clean(cli, released)


def test_comments_around_and_inside_a_flow_block_all_survive(cli: Cli, released: Path) -> None:
    text = ("# yaml-language-server: $schema=../schemas/catalog.schema.json\n"
            "# Rules agreed with sales.\n"
            "grandfathering: {  # kept in one flow block on purpose\n"
            "  # early Pro customers\n"
            "  legacy-pro: {\n"
            "    plans: [pro],                 # only Pro\n"
            "    subscribed_before: 2026-06-01,  # the announcement\n"
            "    release: 2026.01.01  # launch\n"
            "  },\n"
            "  # named customers\n"
            "  vip: {customers: [c1], release: 2026.01.01},  # see CRM\n"
            "}  # end of rules\n"
            "# trailing comment\n")
    f = released / "grandfathering.yaml"
    f.write_text(text, encoding="utf-8")
    res = cli("grandfather", "expire", "legacy-pro", "-c", str(released), "--on", ON)
    assert res.code == 0, res.err
    after = f.read_text(encoding="utf-8")
    a, b = text.splitlines(), after.splitlines()
    diff = [(tag, a[i1:i2], b[j1:j2]) for tag, i1, i2, j1, j2 in
            difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal"]
    assert diff == [("replace", ["    release: 2026.01.01  # launch"],
                     [f"    release: 2026.01.01, until: {ON}  # launch"])]
    comments = [ln[ln.index("#"):] for ln in text.splitlines() if "#" in ln]
    assert len(comments) == 11 and all(c in after for c in comments)
    assert load_catalog(released).catalog.grandfathering["legacy-pro"].until == date(2026, 12, 1)
    assert cli("validate", str(released)).code == 0


def test_a_rule_shared_through_an_anchor_is_refused_in_one_line(cli: Cli, released: Path) -> None:
    text = ("grandfathering: {legacy-pro: &launch {plans: [pro], subscribed_before: 2026-06-01, "
            "release: 2026.01.01}, legacy-eu: *launch}\n")
    f = released / "grandfathering.yaml"
    f.write_text(text, encoding="utf-8")
    res = cli("grandfather", "expire", "legacy-eu", "-c", str(released), "--on", ON)
    assert res.code == 1 and res.err.count("\n") == 1
    assert "&launch" in res.err and "by hand: legacy-eu: {plans: [pro]" in res.err
    assert f.read_text(encoding="utf-8") == text  # nothing written


def rule_ids(text: str) -> list[str]:
    import yaml

    return list(yaml.safe_load(text)["grandfathering"])


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
@pytest.mark.parametrize("case", [c for c in CASES if "grandfathering: {" in CASES[c][0]], ids=lambda c: c)
def test_add_appends_one_flow_entry_to_a_flow_block(cli: Cli, released: Path, case: str, crlf: bool) -> None:
    text = CASES[case][0]
    nl = "\r\n" if crlf else "\n"
    f = released / "grandfathering.yaml"
    f.write_bytes(text.replace("\n", nl).encode())
    res = cli("grandfather", "add", "-c", str(released), "--plan", "starter",
              "--subscribed-before", "2026-05-01", "--release", "2026.01.01")
    assert res.code == 0, res.err
    after = f.read_bytes().decode()
    changed = [(a, b) for a, b in zip(text.replace("\n", nl).splitlines(keepends=True),
                                      after.splitlines(keepends=True), strict=True) if a != b]
    assert len(changed) == 1  # one line, every other byte (comments, line ends) as it was
    entry = ("starter-before-2026-05-01: {plans: [starter], subscribed_before: 2026-05-01, "
             "release: 2026.01.01}")
    assert entry in changed[0][1]
    assert changed[0][1].endswith(nl)
    rules = load_catalog(released).catalog.grandfathering
    assert rules["starter-before-2026-05-01"].plans == ("starter",)
    assert set(rules) - {"starter-before-2026-05-01"} == set(rule_ids(text))
    assert cli("validate", str(released)).code == 0
