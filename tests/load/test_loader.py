"""The loader: exact money, positions, and findings (never exceptions) for bad files."""

from __future__ import annotations

import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from pricebook.load import SourceFile, load_catalog, load_data, load_sources
from pricebook.load.dump import catalog_to_data
from tests.conftest import ACME, write_files

HEAD = "catalog: {id: t, name: T, currency: USD}\nskus: {s: {name: S}}\n"


def load_text(text: str, name: str = "c.yaml"):
    return load_sources([SourceFile(name, text.encode())])


def rules_of(result) -> list[str]:
    return [d.rule for d in result.diagnostics]


def test_acme_loads_clean_and_resolves_extends() -> None:
    r = load_catalog(ACME)
    assert r.diagnostics == []
    c = r.catalog
    assert c is not None
    assert set(c.plans) == {"free", "starter", "pro", "enterprise"}
    ent = c.plans["enterprise"]
    # inherited from starter through pro, overridden by enterprise, removed by null
    assert ent.prices["tokens"].unit_price == {"USD": Decimal("0.000002"), "EUR": Decimal("0.0000018")}
    assert ent.prices["seats"].unit_price["USD"] == Decimal("20.00")
    assert ent.credit is None and c.plans["pro"].credit == {"USD": Decimal("10.00"), "EUR": Decimal("9.00")}


def test_money_is_exact_from_source_text() -> None:
    r = load_text(HEAD + "plans:\n  p:\n    prices:\n"
                  "      s: {model: graduated, tiers: [{up_to: 10, unit_price: 0.1}, {unit_price: 1e-7}]}\n")
    assert r.diagnostics == []
    tiers = r.catalog.plans["p"].prices["s"].tiers
    assert tiers[0].unit_price == {"USD": Decimal("0.1")}
    assert tiers[0].unit_price["USD"] * 3 == Decimal("0.3")  # a float would give 0.30000000000000004
    assert tiers[1].unit_price == {"USD": Decimal("1E-7")}


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "abc", "0x1F"])
def test_non_finite_amounts_are_findings(value: str) -> None:
    r = load_text(HEAD + f"plans:\n  p:\n    prices:\n      s: {{model: flat, amount: {value}}}\n")
    assert r.catalog is None
    d = next(d for d in r.diagnostics if d.rule == "PB020")
    assert (d.line, d.path) == (6, "plans.p.prices.s.amount")


def test_positions_point_at_the_node() -> None:
    r = load_catalog(ACME)
    pos = r.catalog.locate(("plans", "pro", "prices", "storage", "tiers", 1, "up_to"))
    assert pos is not None and pos.file.endswith("plans/pro.yaml") and (pos.line, pos.column) == (14, 14)


def test_tab_indentation_is_a_finding_with_line() -> None:
    r = load_text(HEAD + "plans:\n\tp: {}\n")
    assert rules_of(r) == ["PB001"] and r.diagnostics[0].line == 4
    assert "tab" in r.diagnostics[0].message


def test_syntax_error_is_a_finding_with_line() -> None:
    r = load_text(HEAD + "plans: [unclosed\nmeters: {}\n")
    assert rules_of(r) == ["PB001"] and r.diagnostics[0].line >= 3


def test_duplicate_key_is_a_finding() -> None:
    r = load_text(HEAD + "plans:\n  p: {name: A}\n  p: {name: B}\n")
    d = r.diagnostics[0]
    assert (d.rule, d.line) == ("PB002", 5) and "first defined at line 4" in d.message


def test_same_plan_in_two_files_names_both_places(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.yaml": HEAD + "plans:\n  p: {name: A}\n", "b.yaml": "plans:\n  p: {name: B}\n"})
    r = load_catalog(tmp_path)
    d = next(d for d in r.diagnostics if d.rule == "PB010")
    assert d.file.endswith("b.yaml") and d.line == 2 and "a.yaml:4" in d.message


def test_typo_key_suggests_the_right_one() -> None:
    r = load_text(HEAD + "plans:\n  p:\n    prices:\n      s: {model: per_unit, unti_price: 3}\n")
    d = next(d for d in r.diagnostics if d.rule == "PB021")
    assert "did you mean 'unit_price'" in d.message
    assert d.path == "plans.p.prices.s.unti_price" and d.line == 6


def test_extends_cycle_is_reported() -> None:
    r = load_text(HEAD + "plans:\n  a: {extends: b}\n  b: {extends: a}\n")
    assert "PB013" in rules_of(r)
    assert r.catalog is None


def test_billion_laughs_is_refused_fast_and_small() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    tracemalloc.start()
    t0 = time.perf_counter()
    r = load_text("\n".join(lines) + "\n")
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert rules_of(r) == ["PB006"]
    assert elapsed < 1.0 and peak < 200 * 1024 * 1024


def test_a_tag_on_a_mapping_is_a_finding_as_on_a_scalar() -> None:
    # the tag was ignored on a mapping (the catalog loaded, "valid"); on a scalar it was PB009
    text = ("catalog: {id: t, name: T, currency: USD}\n"
            "skus: !!python/object/apply:os.system\n"
            "  k: {name: K}\n"
            "plans: {p: {name: P, prices: {k: {model: flat, amount: \"1\"}}}}\n")
    r = load_text(text)
    assert r.catalog is None
    [d] = r.diagnostics
    assert (d.rule, d.name, d.line, d.column) == ("PB009", "unsupported-tag", 2, 7)
    assert "python/object/apply:os.system" in d.message and d.fix


@pytest.mark.parametrize(("text", "line"), [
    ("meters: !!set {m: null}\n", 3),                          # a standard tag that changes the value
    ("plans:\n  p: !!python/object:x.Plan\n    name: P\n", 4),  # a block mapping deeper down
    ("plans: {p: {name: P, currencies: !!python/tuple [USD]}}\n", 3),  # a flow sequence
    ("plans:\n  p:\n    name: P\n    currencies: !custom\n      - USD\n", 6),  # a block sequence, local tag
    ("plans: {p: {name: P, currencies: !!omap [{USD: 1}]}}\n", 3),
    ("meters: !!str {m: {name: M}}\n", 3),                      # a scalar's tag on a mapping
    ("plans: !!map [a]\n", 3),                                   # a mapping's tag on a sequence
    ("meters: {!!python/name:os.system m: {name: M}}\n", 3),    # a key
    ("!!python/object:pricebook.model.Catalog\nx: 1\n", 1),     # the document itself
])
def test_tags_on_collections_and_keys_are_findings(text: str, line: int) -> None:
    r = load_text(text if text.startswith("!!") else HEAD + text)
    assert rules_of(r) == ["PB009"] and r.catalog is None
    assert r.diagnostics[0].line == line


def test_standard_tags_that_change_nothing_keep_working() -> None:
    plain = ("catalog: {id: t, name: T, currency: USD}\n"
             "skus: {s: {name: S}}\n"
             "plans:\n  p:\n    name: P\n    currencies: [USD]\n"
             "    prices: {s: {model: flat, amount: \"1\"}}\n")
    tagged = ("!!map\ncatalog: !!map {id: t, name: !!str T, currency: ! USD}\n"
              "skus: ! {!!str s: {name: S}}\n"
              "plans:\n  p: !!map\n    name: P\n    currencies: !!seq [USD]\n"
              "    prices: {s: {model: flat, amount: !!str \"1\"}}\n")
    r, ref = load_text(tagged), load_text(plain)
    assert r.diagnostics == [] and ref.diagnostics == []
    assert r.catalog is not None and ref.catalog is not None
    assert (r.catalog.plans, r.catalog.skus) == (ref.catalog.plans, ref.catalog.skus)


def test_anchors_and_merge_keys_work() -> None:
    r = load_text(HEAD + "x-base: &base {name: Base, prices: {s: {model: flat, amount: 5}}}\n"
                  "plans:\n  p:\n    <<: *base\n    name: P\n")
    # x-base is not a catalog key: the schema says so, by name
    assert [d.rule for d in r.diagnostics] == ["PB021"]
    r = load_text(HEAD + "plans:\n  a: &base {name: Base, prices: {s: {model: flat, amount: 5}}}\n"
                  "  p:\n    <<: *base\n    name: P\n")
    assert r.diagnostics == []
    assert r.catalog.plans["p"].name == "P" and r.catalog.plans["p"].prices["s"].amount == {"USD": Decimal(5)}


def test_non_utf8_and_binary_and_oversized_files_are_findings() -> None:
    assert rules_of(load_sources([SourceFile("x.yaml", b"catalog: {id: \xff}\n")])) == ["PB003"]
    assert rules_of(load_sources([SourceFile("x.yaml", b"a: 1\x00\n")])) == ["PB004"]
    big = b"# " + b"x" * (10 * 1024 * 1024 + 10) + b"\n"
    assert rules_of(load_sources([SourceFile("x.yaml", big)])) == ["PB005"]


def test_every_file_is_reported_in_one_run(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.yaml": HEAD + "plans:\n  p: {nmae: A}\n", "b.yaml": "plans:\n  q: [oops\n"})
    r = load_catalog(tmp_path)
    assert {Path(d.file).name for d in r.diagnostics} == {"a.yaml", "b.yaml"}


def test_releases_folder_is_not_read(tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": HEAD, "releases/index.yaml": "releases: []\n"})
    assert load_catalog(tmp_path).diagnostics == []


def test_dump_then_load_is_identity() -> None:
    c = load_catalog(ACME).catalog
    again = load_data(catalog_to_data(c))
    assert again.diagnostics == [] and again.catalog == c


@pytest.mark.parametrize("value", ['"1e999999999"', "1.0e+999999", '"1e-40"'])
def test_absurd_exponents_are_findings_not_memory_bombs(value: str) -> None:
    r = load_text(HEAD + f"plans:\n  p:\n    prices:\n      s: {{model: flat, amount: {value}}}\n")
    assert r.catalog is None
    assert any(d.path == "plans.p.prices.s.amount" for d in r.diagnostics)


def test_a_typo_is_one_finding_not_also_a_missing_key() -> None:
    r = load_text(HEAD + "plans:\n  p:\n    prices:\n      s: {model: per_unit, unti_price: 3}\n")
    assert [(d.rule, d.path) for d in r.diagnostics] == [("PB021", "plans.p.prices.s.unti_price")]
    # a genuinely missing key is still reported
    r = load_text(HEAD + "plans:\n  p:\n    prices:\n      s: {model: per_unit, included: 3}\n")
    assert [(d.rule, d.message) for d in r.diagnostics] == [("PB020", "missing required key 'unit_price'")]
