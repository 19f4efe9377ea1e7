"""`pricebook ci`'s revenue impact with several currencies in one run (USD, JPY, KWD: minor units 2, 0,
3): its text, markdown and JSON write each amount as `pricebook simulate` does in the same format, each
at its own currency's minor unit, never at the run's largest (``158.000`` yen). A real git repository
with pricebook.yaml naming the usage sample; real DuckDB."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.conftest import CliResult, Git, write_files
from tests.diff.conftest import AcmeRepo, make_acme_repo

Cli = Callable[..., CliResult]

GLOBAL = """\
plans:
  global:
    name: Global
    currencies: [USD, JPY, KWD]
    billing_period: month
    prices:
      platform: {{model: flat, amount: {{USD: "1.00", JPY: "150", KWD: "0.300"}}}}
      api-calls: {{model: per_unit, unit_price: {{USD: "{usd}", JPY: "{jpy}", KWD: "{kwd}"}}}}
"""
FILES = {
    "pricebook.yaml": "catalog: catalogs/acme\n"
                      "usage:\n  sample: usage/sample.csv\n  subscriptions: usage/subscriptions.csv\n",
    "usage/sample.csv": "customer_id,timestamp,meter,quantity\n"
                        "u1,2026-01-05T10:00:00Z,api-calls,100\n"
                        "j1,2026-01-05T10:00:00Z,api-calls,100\n"
                        "k1,2026-01-05T10:00:00Z,api-calls,100\n",
    "usage/subscriptions.csv": "customer_id,plan,currency,subscribed_at\n"
                               "u1,global,USD,2025-01-01\nj1,global,JPY,2025-01-01\n"
                               "k1,global,KWD,2025-01-01\n",
}
# Per customer (100 calls): base $1.04, ¥158, KWD0.313 (0.3125 half up); candidate $1.05, ¥159, KWD0.315.
TEXT = ["  USD: $1.04 -> $1.05 (+$0.01, +0.96%)",
        "  JPY: ¥158 -> ¥159 (+¥1, +0.63%)",
        "  KWD: KWD0.313 -> KWD0.315 (+KWD0.002, +0.64%)"]
WRONG = ("158.000", "159.000", "+1.000", "1.040", "+0.010", "150.000")


@pytest.fixture
def repo(git_repo: Git) -> AcmeRepo:
    """acme plus a plan sold in USD, JPY and KWD, committed with its usage sample; the working tree
    raises the price of an API call in every currency."""
    repo = make_acme_repo(git_repo)
    repo.write("plans/global.yaml", GLOBAL.format(usd="0.0004", jpy="0.08", kwd="0.000125"))
    write_files(repo.root, FILES)
    repo.commit("a plan in USD, JPY and KWD, with a usage sample")
    repo.write("plans/global.yaml", GLOBAL.format(usd="0.0005", jpy="0.09", kwd="0.00015"))
    return repo


def _ci(cli: Cli, repo: AcmeRepo, fmt: str) -> str:
    r = cli("ci", "--base", "HEAD", "--format", fmt, cwd=repo.root)
    assert r.code == 1, r.err  # a price increase is breaking; the revenue section itself passes
    if fmt == "text":
        assert "validate: valid" in r.out and "pricebook ci: failed: Pricing changes" in r.out, r.out
    return r.out


def _simulate(cli: Cli, repo: AcmeRepo, fmt: str) -> str:
    r = cli("simulate", "--baseline", "HEAD", "--format", fmt, cwd=repo.root)
    assert r.code == 0, r.err
    return r.out


def test_text_writes_each_total_as_simulate_s_totals_table(cli: Cli, repo: AcmeRepo) -> None:
    out = _ci(cli, repo, "text")
    section = out.split("revenue impact", 1)[1].splitlines()
    for line in TEXT:
        assert line in section, out
    sim = _simulate(cli, repo, "text")
    totals = sim.split("Totals", 1)[1].splitlines()
    for cur in ("USD", "JPY", "KWD"):
        # the first row of simulate's text naming the currency is its Totals row (cells split by │)
        rows = ([c.strip() for c in ln.split("│")] for ln in totals)
        _, base, cand, delta, pct = next(r for r in rows if r[0] == cur)
        assert f"  {cur}: {base} -> {cand} ({delta}, {pct})" in section
    for wrong in WRONG:
        assert wrong not in out, wrong


def test_markdown_is_simulate_s_markdown(cli: Cli, repo: AcmeRepo) -> None:
    out = _ci(cli, repo, "markdown")
    assert _simulate(cli, repo, "markdown").strip() in out
    assert "| JPY | ¥158 | ¥159 | +¥1 | +0.63% |" in out
    assert "| KWD | KWD0.313 | KWD0.315 | +KWD0.002 | +0.64% |" in out
    assert "| USD | $1.04 | $1.05 | +$0.01 | +0.96% |" in out
    for wrong in WRONG:
        assert wrong not in out, wrong


def test_json_amounts_are_simulate_s_decimal_strings(cli: Cli, repo: AcmeRepo) -> None:
    data = json.loads(_ci(cli, repo, "json"))
    revenue = next(s for s in data["sections"] if s["name"] == "revenue")
    assert revenue["status"] == "passed"
    sim = json.loads(_simulate(cli, repo, "json"))
    totals = {t["currency"]: t for t in revenue["simulation"]["totals"]}
    assert totals == {t["currency"]: t for t in sim["totals"]}
    assert totals["JPY"] == {"currency": "JPY", "baseline": "158", "candidate": "159", "delta": "1",
                             "delta_pct": "0.63"}
    assert (totals["USD"]["baseline"], totals["USD"]["delta"]) == ("1.04", "0.01")
    assert (totals["KWD"]["baseline"], totals["KWD"]["delta"]) == ("0.313", "0.002")
    assert revenue["simulation"]["by_plan"] == sim["by_plan"]
