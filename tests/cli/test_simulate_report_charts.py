"""`pricebook simulate --html`: the per-period chart draws each currency on its own scale, one inline
SVG per currency named for it, so a yen series does not flatten a dollar one. Real files, real DuckDB."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.conftest import ACME, write_files

GLOBAL = """\
plans:
  global:
    name: Global
    currencies: [USD, JPY]
    billing_period: month
    prices:
      platform: {model: flat, amount: {USD: "10.00", JPY: "1500"}}
      api-calls: {model: per_unit, unit_price: {USD: "0.01", JPY: "1"}}
"""
# Two months; the second has twice the calls. Per period: USD $11 then $12; JPY ¥1,600 then ¥1,700.
USAGE = """\
customer_id,timestamp,meter,quantity
u1,2026-01-05T10:00:00Z,api-calls,100
u1,2026-02-05T10:00:00Z,api-calls,200
j1,2026-01-05T10:00:00Z,api-calls,100
j1,2026-02-05T10:00:00Z,api-calls,200
"""
SUBS = """\
customer_id,plan,currency,subscribed_at
u1,global,USD,2025-01-01
j1,global,JPY,2025-01-01
"""
SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)


def test_the_period_chart_has_one_svg_per_currency_each_on_its_own_scale(cli, tmp_path: Path) -> None:
    shutil.copytree(ACME, tmp_path / "cat")
    (tmp_path / "cat" / "plans" / "global.yaml").write_text(GLOBAL, encoding="utf-8")
    write_files(tmp_path, {"u.csv": USAGE, "s.csv": SUBS})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", tmp_path / "cat",
            "--catalog", tmp_path / "cat", "--html", tmp_path / "r.html")
    assert r.code == 0, r.err
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    period = html.split("<h2>By period", 1)[1].split("<h2>", 1)[0]  # the charts, before the tables
    svgs = SVG.findall(period)
    assert len(svgs) == 2, period  # one chart per currency, not every currency on one scale
    charts = {}
    for svg in svgs:
        named = re.search(r'<svg\b[^>]*\bdata-currency="([A-Z]{3})"', svg)
        assert named, svg
        charts[named.group(1)] = svg
    assert sorted(charts) == ["JPY", "USD"], period
    for cur, svg in charts.items():
        assert f"<title>By period, {cur}</title>" in svg
        assert f"<h3>{cur}</h3>{svg}" in period
        assert ">2026-01<" in svg and ">2026-02<" in svg
        # each currency's largest bar fills the chart: its own scale, not the yen's
        heights = [int(x) for x in re.findall(r'<rect [^>]*height="(\d+)"', svg)]
        assert len(heights) == 4 and max(heights) == 200, (cur, heights)
    assert ">$12.00<" in charts["USD"] and ">¥1,700<" in charts["JPY"]  # the scale's top, as money
