"""`pricebook validate`: the done-when checks of issue #2, as CLI runs with JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ACME, write_files

HEAD = """\
catalog: {id: t, currency: USD}
meters:
  calls: {name: Calls, aggregation: count}
skus:
  base: {name: Base}
  calls: {name: Calls, meter: calls}
"""

PLAN = """\
plans:
  pro:
    prices:
      base: {model: flat, amount: "10"}
      calls:
        model: graduated
        tiers:
          - {up_to: 100, unit_price: "0"}
          - {unit_price: "0.01"}
"""

LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8))


def run_json(cli, root: Path) -> tuple[int, dict]:
    res = cli("validate", str(root), "--format", "json")
    assert "Traceback" not in res.err and "Traceback" not in res.out
    return res.code, json.loads(res.out)


def test_acme_is_valid(cli) -> None:
    res = cli("validate", str(ACME), "--format", "json")
    assert res.code == 0, res.out
    data = json.loads(res.out)
    assert data == {"valid": True, "diagnostics": []}


def test_acme_text(cli) -> None:
    res = cli("validate", str(ACME))
    assert res.code == 0
    assert "valid: 6 files checked, no findings" in res.out


# (name, files, rule, file, line)
BROKEN: list[tuple[str, dict[str, str | bytes], str, str, int]] = [
    ("tab indentation", {"c.yaml": HEAD + "plans:\n\tpro: {}\n"}, "PB001", "c.yaml", 8),
    ("syntax error", {"c.yaml": HEAD + "plans: {pro: [unclosed\n"}, "PB001", "c.yaml", 8),
    ("duplicate key", {"c.yaml": HEAD + "plans:\n  pro: {name: A}\n  pro: {name: B}\n"}, "PB002", "c.yaml", 9),
    ("same plan in two files", {"c.yaml": HEAD + PLAN, "more.yaml": "# again\n" + PLAN},
     "PB010", "more.yaml", 3),
    ("typo'd key", {"c.yaml": HEAD + PLAN.replace("    prices:", "    pirces:")}, "PB021", "c.yaml", 9),
    ("typo'd key in a price", {"c.yaml": HEAD + PLAN.replace('amount: "10"', 'amout: "10"')}, "PB021", "c.yaml", 10),
    ("non-increasing tier", {"c.yaml": HEAD + PLAN.replace("{unit_price: \"0.01\"}",
                                                           "{up_to: 50, unit_price: \"0.01\"}\n          - {unit_price: \"0.001\"}")},
     "PB111", "c.yaml", 15),
    ("open tier not last", {"c.yaml": HEAD + PLAN.replace("{up_to: 100, unit_price: \"0\"}", "{unit_price: \"0\"}")
                            .replace("{unit_price: \"0.01\"}", "{up_to: 100, unit_price: \"0.01\"}\n          - {unit_price: \"0.001\"}")},
     "PB112", "c.yaml", 14),
    ("price for an unknown SKU", {"c.yaml": HEAD + PLAN + "      seats: {model: flat, amount: \"1\"}\n"},
     "PB101", "c.yaml", 16),
    ("negative price", {"c.yaml": HEAD + PLAN.replace('amount: "10"', 'amount: "-10"')}, "PB114", "c.yaml", 10),
    ("missing currency amount", {"c.yaml": HEAD + PLAN.replace("  pro:\n", "  pro:\n    currencies: [USD, EUR]\n")
                                 .replace('amount: "10"', 'amount: {USD: "10"}')
                                 .replace('unit_price: "0"', 'unit_price: {USD: "0", EUR: "0"}')
                                 .replace('unit_price: "0.01"', 'unit_price: {USD: "0.01", EUR: "0.01"}')},
     "PB117", "c.yaml", 11),
    ("extends cycle", {"c.yaml": HEAD + "plans:\n  a: {extends: b}\n  b:\n    extends: a\n"}, "PB013", "c.yaml", 8),
    ("unknown currency code", {"c.yaml": HEAD.replace("currency: USD", "currency: USX") + PLAN}, "PB119", "c.yaml", 1),
    ("billion laughs", {"c.yaml": HEAD, "bomb.yaml": LAUGHS}, "PB006", "bomb.yaml", 1),
    ("non-UTF-8 file", {"c.yaml": HEAD + PLAN, "latin1.yaml": "# caf\xe9\nmeters: {}\n".encode("latin-1")},
     "PB003", "latin1.yaml", 1),
]


@pytest.mark.parametrize(("files", "rule", "file", "line"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_catalog_fails_with_finding_at_line(cli, tmp_path: Path, files, rule: str, file: str,
                                                   line: int) -> None:
    for rel, content in files.items():
        p = tmp_path / rel
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
    code, data = run_json(cli, tmp_path)
    assert code == 1
    assert data["valid"] is False
    hits = [d for d in data["diagnostics"] if d["rule"] == rule]
    assert hits, data["diagnostics"]
    d = hits[0]
    assert (Path(d["file"]).name, d["line"]) == (file, line), d
    assert set(d) >= {"rule", "severity", "message", "file", "line", "column", "path"}
    assert d["column"] >= 1 and d["severity"] == "error"


def test_findings_from_every_file_in_one_run(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {
        "catalog.yaml": HEAD + PLAN,
        "a.yaml": "plans:\n  x:\n    prices: {nope: {model: flat, amount: \"1\"}}\n",
        "b.yaml": "meters:\n  m: {name: M, aggregation: count}\nskus:\n  s: {name: S, meter: mm}\n",
    })
    code, data = run_json(cli, tmp_path)
    assert code == 1
    got = {(Path(d["file"]).name, d["rule"]) for d in data["diagnostics"]}
    assert {("a.yaml", "PB101"), ("b.yaml", "PB102")} <= got


def test_schema_errors_in_several_files_are_all_reported(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"catalog.yaml": HEAD, "a.yaml": "plans:\n  x: {nam: X}\n",
                           "b.yaml": "skus:\n  s: {naem: S}\n"})
    code, data = run_json(cli, tmp_path)
    assert code == 1
    assert {(Path(d["file"]).name, d["rule"], d["line"]) for d in data["diagnostics"]} == {
        ("a.yaml", "PB021", 2), ("b.yaml", "PB021", 2)}


def test_fix_is_shown(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": HEAD + PLAN + "      seats: {model: flat, amount: \"1\"}\n"})
    res = cli("validate", str(tmp_path))
    assert res.code == 1
    assert "PB101 price-unknown-sku" in res.out and "fix: define skus.seats" in res.out
    assert "plans.pro.prices.seats" in res.out


def test_fail_on_warning_and_never(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"c.yaml": HEAD + PLAN + "  team: {name: Team}\n"})  # PB124 warning only
    assert cli("validate", str(tmp_path)).code == 0
    assert cli("validate", str(tmp_path), "--fail-on", "warning").code == 1
    write_files(tmp_path, {"c.yaml": HEAD + PLAN + "      seats: {model: flat, amount: \"1\"}\n"})
    assert cli("validate", str(tmp_path), "--fail-on", "never").code == 0
    res = cli("validate", str(tmp_path), "--fail-on", "sometimes")
    assert res.code == 2 and "--fail-on" in res.err


def test_missing_path_exits_2(cli, tmp_path: Path) -> None:
    res = cli("validate", str(tmp_path / "nope"))
    assert res.code == 2 and "does not exist" in res.err and "Traceback" not in res.err


def test_default_catalog_from_cwd(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"catalogs/only/c.yaml": HEAD + PLAN})
    res = cli("validate", "--format", "json", cwd=tmp_path)
    assert res.code == 0, res.out + res.err
    assert json.loads(res.out)["valid"] is True


def test_validate_does_not_import_heavy_libraries() -> None:
    """validate runs on every save: it must not pay for duckdb, git, ruamel.yaml or pydantic (typer
    0.29 imports pydantic to convert every option, 0.1 s a run: pyproject.toml keeps typer < 0.29),
    nor, for a clean catalog whose answer goes to a pipe, rich (20 ms); with the C reader, not
    PyYAML either (13 ms)."""
    import subprocess
    import sys

    from pricebook.load.yamlsrc import _fast_parser

    code = ("import sys\nfrom pricebook.cli import main\ntry:\n    main(['validate', sys.argv[1]])\n"
            "except SystemExit as e:\n    rc = e.code\n"
            "heavy = ('duckdb', 'git', 'ruamel.yaml', 'rich', 'pydantic', 'yaml')\n"
            "print(rc, sorted(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code, str(ACME)], capture_output=True, text=True, check=True,
                         env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"})
    lines = out.stdout.strip().splitlines()
    assert lines[-2] == "valid: 6 files checked, no findings"
    assert lines[-1] == ("0 []" if _fast_parser() is not None else "0 ['yaml']")


@pytest.mark.parametrize(("redirect", "code", "says"), [
    ("2>&-", 0, None),                                  # stderr closed: the answer still goes out
    (">&-", 3, "internal error"),                       # stdout closed: one line, no traceback
    ("> /dev/full", 120, "cannot write the output"),    # a full disk
])
def test_validate_leaves_cleanly_when_output_cannot_be_written(redirect: str, code: int, says: str | None,
                                                               tmp_path) -> None:
    """The CLI leaves with os._exit after validate (not freeing the catalog): what Python's own exit
    would do with closed or full streams must still happen, without a traceback."""
    import shlex
    import subprocess
    import sys
    from pathlib import Path

    if redirect == "> /dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    exe = Path(sys.executable).parent / "pricebook"
    err = tmp_path / "err.txt"
    run = subprocess.run(f"{shlex.quote(str(exe))} validate {shlex.quote(str(ACME))} {redirect}"
                         + ("" if redirect.startswith("2") else f" 2> {shlex.quote(str(err))}"),
                         shell=True, env={"PATH": "/usr/bin:/bin", "PRICEBOOK_CACHE_DIR": "off"})
    assert run.returncode == code
    text = err.read_text() if err.exists() else ""
    assert "Traceback" not in text
    if says:
        assert says in text and len(text.strip().splitlines()) == 1


def test_a_file_of_a_catalog_folder_validates_that_catalog_whole(cli, tmp_path) -> None:
    # an editor validates the file it saved: plans/pro.yaml alone has no 'catalog:' block (PB012
    # before); its catalog is the folder above it
    from tests.conftest import ACME

    res = cli("validate", str(ACME / "plans" / "pro.yaml"))
    assert res.code == 0, res.out + res.err
    assert "PB012" not in res.out and "6 files checked" in res.out
    res = cli("validate", str(ACME / "catalog.yaml"))
    assert res.code == 0 and "6 files checked" in res.out
