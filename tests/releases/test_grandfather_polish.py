"""A grandfathering edit into flow YAML writes the rule as one flow entry that loads as exactly the
rule asked for; a refused edit quotes that entry, to write by hand, as YAML that survives the one-line
error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from pricebook.load import load_catalog
from pricebook.validation import validate_path
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
FLOW_HOLDER = ("grandfathering: {legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, "
               "release: 2026.01.01}}\n")


def quoted(err: str) -> str:
    assert err.count("\n") == 1, err  # one line, as every error
    return err.split("by hand: ", 1)[1].strip()


def test_add_to_a_flow_style_block_writes_one_more_flow_entry(cli: Cli, released: Path) -> None:
    # refused up to 2026-11-23, with the entry to paste by hand; now written the same way
    (released / "grandfathering.yaml").write_text(FLOW_HOLDER, encoding="utf-8")
    res = cli("grandfather", "add", "-c", str(released), "--plan", "starter", "--plan", "pro",
              "--subscribed-before", "2026-06-01", "--release", "2026.01.01", "--until", "2027-01-01")
    assert res.code == 0, res.err
    entry = ("starter-pro-before-2026-06-01: {plans: [starter, pro], subscribed_before: 2026-06-01, "
             "release: 2026.01.01, until: 2027-01-01}")
    written = (released / "grandfathering.yaml").read_text(encoding="utf-8")
    assert written == FLOW_HOLDER[:-3] + "}, " + entry + "}\n"
    assert validate_path(released).valid
    rule = load_catalog(released).catalog.grandfathering["starter-pro-before-2026-06-01"]
    assert (rule.plans, rule.subscribed_before, rule.release, rule.until) == (
        ("starter", "pro"), date(2026, 6, 1), "2026.01.01", date(2027, 1, 1))
    assert cli("fmt", "--check", str(released)).code == 0  # a one-line flow block stays one line


def test_customer_ids_yaml_would_misread_are_quoted(cli: Cli, released: Path, tmp_path: Path) -> None:
    (released / "grandfathering.yaml").write_text(FLOW_HOLDER, encoding="utf-8")
    ids = tmp_path / "ids.txt"
    ids.write_text("cus_1\ntrue\nnull\n007\n", encoding="utf-8")
    res = cli("grandfather", "add", "-c", str(released), "--customers", str(ids), "--release", "2026.01.01")
    assert res.code == 0, res.err
    assert load_catalog(released).catalog.grandfathering["customers-2026.01.01"].customers == (
        "cus_1", "true", "null", "007")


def test_expire_refusal_quotes_the_whole_rule_with_its_until(cli: Cli, released: Path) -> None:
    # a rule that is a YAML anchor the file aliases: an until set there would end the alias too, so it
    # refuses (flow rules are edited in place: see test_grandfather_flow.py)
    shared = ("grandfathering:\n"
              "  legacy-pro: &launch {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}\n"
              "  legacy-eu: *launch\n")
    (released / "grandfathering.yaml").write_text(shared, encoding="utf-8")
    res = cli("grandfather", "expire", "legacy-pro", "-c", str(released), "--on", "2026-12-01")
    assert res.code == 1 and "&launch" in res.err
    assert (released / "grandfathering.yaml").read_text(encoding="utf-8") == shared  # nothing written
    entry = quoted(res.err)
    assert entry == ("legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01, "
                     "until: 2026-12-01}")
    # pasted in place of the anchored rule, as the message says: only legacy-pro ends
    (released / "grandfathering.yaml").write_text(
        "grandfathering:\n  " + entry + "\n  legacy-eu: {plans: [pro], subscribed_before: 2026-06-01, "
        "release: 2026.01.01}\n", encoding="utf-8")
    rules = load_catalog(released).catalog.grandfathering
    assert rules["legacy-pro"].until == date(2026, 12, 1) and rules["legacy-eu"].until is None


def test_flow_entry_quotes_what_yaml_would_not_read_back() -> None:
    from pricebook.releases.grandfather import _flow_entry

    entry = _flow_entry("vip", {"customers": ["a, b", "x: y", "#7", "-1", ""], "release": "2026.01"})
    assert entry == 'vip: {customers: ["a, b", "x: y", "#7", "-1", ""], release: "2026.01"}'


def test_expire_of_an_alias_names_it_as_the_alias(cli: Cli, released: Path) -> None:
    shared = ("grandfathering:\n"
              "  legacy-pro: &launch {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}\n"
              "  legacy-eu: *launch\n")
    (released / "grandfathering.yaml").write_text(shared, encoding="utf-8")
    res = cli("grandfather", "expire", "legacy-eu", "-c", str(released), "--on", "2026-12-01")
    assert res.code == 1 and "grandfathering.yaml:3: rule 'legacy-eu' is the alias *launch of the rule " \
        "written at line 2" in res.err, res.err  # it used to call line 3 "the YAML anchor"
    assert (released / "grandfathering.yaml").read_text(encoding="utf-8") == shared
