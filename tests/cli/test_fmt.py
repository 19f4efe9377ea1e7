"""`pricebook fmt`: canonical layout, comments kept, idempotent, the model unchanged."""

from __future__ import annotations

import re
from pathlib import Path

from pricebook.fmt import format_text
from pricebook.load import load_catalog
from pricebook.load.dump import catalog_to_data
from tests.conftest import write_files

MESSY = """\
# yaml-language-server: $schema=../schemas/catalog.schema.json
# Catalog head comment.
catalog: {id: t, currency: USD}
meters:
  calls: {name: Calls, aggregation: count}
skus:
  base: {name: Base}
  calls: {name: Calls, meter: calls, unit_cost: 0.00002}
plans:
  pro:
    # the plan everyone buys
    prices:
      calls:
        tiers:          # cheaper at volume
        - unit_price: 0.10   # ten cents
          up_to: 1_000
        - {flat_fee: 5, unit_price: 1e-7}
        model: graduated
      base: {amount: 49.00, model: flat}   # flat fee
    minimum: 100
    credit: null
"""


def comments(text: str) -> list[str]:
    return [m.group(0).strip() for m in re.finditer(r"#.*", text)]


def test_canonical_layout() -> None:
    out = format_text(MESSY)
    assert "      calls:\n        model: graduated\n        tiers:" in out  # model first, then tiers
    assert "          - up_to: 1_000\n            unit_price: \"0.10\"" in out  # sequence indented, up_to first
    assert '{unit_price: "1e-7", flat_fee: "5"}' in out  # money quoted exactly as written
    assert 'base: {model: flat, amount: "49.00"}' in out
    assert 'minimum: "100"' in out and "credit: null" in out
    assert 'unit_cost: "0.00002"' in out


def test_every_comment_is_kept() -> None:
    assert comments(format_text(MESSY)) == comments(MESSY)


def test_fmt_twice_is_no_change() -> None:
    once = format_text(MESSY)
    assert format_text(once) == once


def test_formatted_catalog_loads_to_an_equal_model(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": MESSY})
    before = load_catalog(tmp_path)
    assert before.catalog is not None
    res = cli("fmt", str(tmp_path))
    assert res.code == 0 and "reformatted" in res.out
    after = load_catalog(tmp_path)
    assert after.catalog == before.catalog
    assert catalog_to_data(after.catalog) == catalog_to_data(before.catalog)
    assert cli("fmt", str(tmp_path), "--check").code == 0


def test_acme_round_trip(cli, acme_copy: Path) -> None:
    before = load_catalog(acme_copy).catalog
    texts = {p: p.read_text() for p in acme_copy.rglob("*.yaml")}
    assert cli("fmt", str(acme_copy)).code == 0
    assert load_catalog(acme_copy).catalog == before
    for p, text in texts.items():
        assert comments(p.read_text()) == comments(text), p
    assert cli("fmt", str(acme_copy), "--check").code == 0


def test_check_lists_files_and_writes_nothing(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": MESSY, "ok.yaml": "features:\n  sso: {name: SSO}\n"})
    res = cli("fmt", str(tmp_path), "--check")
    assert res.code == 1
    assert f"would reformat {tmp_path / 'c.yaml'}" in res.out and "ok.yaml" not in res.out
    assert (tmp_path / "c.yaml").read_text() == MESSY


def test_refuses_a_file_that_does_not_parse(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": MESSY})
    (tmp_path / "bad.yaml").write_text("plans:\n\tp: {}\n")
    res = cli("fmt", str(tmp_path))
    assert res.code == 1
    assert "PB001" in res.out and "bad.yaml:2" in res.out and "nothing written" in res.out
    assert (tmp_path / "c.yaml").read_text() == MESSY  # the good file is not touched either


def test_quoting_and_strings_elsewhere_are_kept() -> None:
    text = "catalog: {id: 't', name: \"Acme\", currency: USD}\nfeatures:\n  sso: {name: 'Single sign-on'}\n"
    assert format_text(text) == text


def test_a_crlf_file_keeps_crlf_on_every_line() -> None:
    # ruamel writes LF and kept the CR of each comment line: a reformatted CRLF file had mixed endings
    crlf = MESSY.replace("\n", "\r\n")
    out = format_text(crlf)
    assert out == format_text(MESSY).replace("\n", "\r\n")
    assert "\n" not in out.replace("\r\n", "") and format_text(out) == out


def test_a_comment_on_its_own_line_stays_above_its_key() -> None:
    # ruamel keeps a comment line with the key above it: reordering this price put '# list price'
    # under 'included' and '# entitlements below' inside the price; a mapping with such comments
    # now keeps its order, and one with only end-of-line comments is still reordered
    text = """\
plans:
  team:
    name: Team
    prices:
      api:
        unit_price: "1"  # list price
        model: per_unit
      seats:
        # 5 seats free, per the 2025 deal
        included: 5
        # list price
        unit_price: "10.00"
        model: per_unit
    # entitlements below
    credit: "1.00"
"""
    out = format_text(text)
    lines = out.splitlines()
    assert lines[lines.index('        unit_price: "10.00"') - 1] == "        # list price"
    assert lines[lines.index("        included: 5") - 1] == "        # 5 seats free, per the 2025 deal"
    assert lines[lines.index('    credit: "1.00"') - 1] == "    # entitlements below"
    assert '      api:\n        model: per_unit\n        unit_price: "1"  # list price' in out
    assert format_text(out) == out


FLOW_COMMENT = """\
meters:
  calls: {name: Calls, aggregation: count}
skus:
  calls: {name: Calls, meter: calls}
plans:
  pro:
    prices:
      calls: {model: per_unit, included: 200,  # the first 200 are free
              unit_price: 0.10}
"""


def test_a_comment_a_new_layout_would_drop_keeps_the_file_as_written(cli, tmp_path: Path) -> None:
    # ruamel drops a comment inside a flow mapping written over several lines: fmt used to write the
    # mapping on one line without it
    write_files(tmp_path, {"c.yaml": FLOW_COMMENT, "m.yaml": MESSY})
    for args, code in ((("--check",), 1), ((), 0)):  # --check: 1 for m.yaml, which fmt changes
        res = cli("fmt", str(tmp_path), *args)
        assert res.code == code, res.out + res.err
        assert (tmp_path / "c.yaml").read_text() == FLOW_COMMENT
        assert f"{tmp_path / 'c.yaml'}:8: kept as written" in res.err
        assert "'# the first 200 are free'" in res.err and "c.yaml" not in res.out
    assert "1 file reformatted, 0 files already formatted, 1 file kept as written" in res.out
    assert comments((tmp_path / "m.yaml").read_text()) == comments(MESSY)  # the other file is formatted
    assert cli("fmt", str(tmp_path), "--check").code == 0


def test_a_hash_inside_a_scalar_is_not_a_comment_to_keep(cli, tmp_path: Path) -> None:
    # quoted and block scalars may hold '#': reformatting the file loses no comment, so it is written
    text = ('plans:\n  pro:\n    name: "Pro # 1"\n    description: |\n      # not a comment\n'
            "    prices: {base: {amount: 49.00, model: flat}}\nskus:\n  base: {name: 'a #b'}\n")
    write_files(tmp_path, {"c.yaml": text})
    res = cli("fmt", str(tmp_path))
    assert res.code == 0 and "1 file reformatted" in res.out and "kept" not in res.out + res.err
    out = (tmp_path / "c.yaml").read_text()
    assert '"Pro # 1"' in out and "# not a comment" in out and "'a #b'" in out
    assert "{model: flat, amount: \"49.00\"}" in out


TIERS_FLOW = """\
meters:
  calls: {name: Calls, aggregation: count}
skus:
  calls: {name: Calls, meter: calls}
plans:
  pro:
    prices:
      calls:
        model: graduated
        tiers: [
          {up_to: 100000, unit_price: "0"},  # free allowance
          {unit_price: "0.0004"},
        ]
      seats: {unit_price: 12.00, model: per_unit, included: 3
              # before the brace
              }
"""


def test_a_comment_inside_a_flow_list_over_several_lines_keeps_the_file(cli, tmp_path: Path) -> None:
    # ruamel kept this comment's text but wrote it on a line of its own at column 45, and the second
    # tier lost its braces; a comment before a closing brace moved the brace to column 0
    write_files(tmp_path, {"c.yaml": TIERS_FLOW})
    res = cli("fmt", str(tmp_path))
    assert res.code == 0, res.err
    assert (tmp_path / "c.yaml").read_text() == TIERS_FLOW
    assert f"{tmp_path / 'c.yaml'}:11: kept as written" in res.err and "'# free allowance'" in res.err
    without_first = TIERS_FLOW.replace("  # free allowance", "")
    (tmp_path / "c.yaml").write_text(without_first)
    res = cli("fmt", str(tmp_path))
    assert f"{tmp_path / 'c.yaml'}:15: kept as written" in res.err and "'# before the brace'" in res.err
    assert (tmp_path / "c.yaml").read_text() == without_first


def test_a_byte_order_mark_stays(cli, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_bytes(b"\xef\xbb\xbf" + MESSY.encode())
    assert cli("fmt", str(tmp_path)).code == 0
    out = (tmp_path / "c.yaml").read_bytes()
    assert out.startswith(b"\xef\xbb\xbf") and not out.startswith(b"\xef\xbb\xbf\xef\xbb\xbf")
    assert out[3:].decode() == format_text(MESSY)
    assert cli("fmt", str(tmp_path), "--check").code == 0
