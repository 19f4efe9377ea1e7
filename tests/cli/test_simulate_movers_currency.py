"""The largest movers are ranked within each currency: a yen amount and a dinar amount do not compare
(+¥502 is about $3, +KWD 241 about $780)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.cli.test_simulate_report_currencies import STARTER
from tests.conftest import ACME, write_files


def test_movers_are_the_largest_in_each_currency(cli, tmp_path: Path) -> None:
    # 12 JPY customers with 100..1200 calls and 2 KWD customers with 100 and 200: the candidate raises
    # every call's price, so each pays more; by raw amount the JPY ones would fill the top 10
    for name, prices in (("cat", ("0.0004", "0.08", "0.000125")), ("cand", ("0.0005", "0.50", "0.00015"))):
        shutil.copytree(ACME, tmp_path / name)
        usd, jpy, kwd = prices
        (tmp_path / name / "plans" / "starter.yaml").write_text(STARTER.format(usd=usd, jpy=jpy, kwd=kwd))
        for gone in ("plans/pro.yaml", "plans/enterprise.yaml", "add_ons.yaml"):
            (tmp_path / name / gone).unlink()
    usage = "customer_id,timestamp,meter,quantity\n" + "".join(
        f"j{i:02d},2026-01-05T10:00:00Z,api-calls,{100 * i}\n" for i in range(1, 13)) + (
        "k1,2026-01-05T10:00:00Z,api-calls,100\nk2,2026-01-05T10:00:00Z,api-calls,200\n")
    subs = "customer_id,plan,currency\n" + "".join(f"j{i:02d},starter,JPY\n" for i in range(1, 13)) + (
        "k1,starter,KWD\nk2,starter,KWD\n")
    write_files(tmp_path, {"u.csv": usage, "s.csv": subs})
    r = cli("simulate", tmp_path / "u.csv", "-s", tmp_path / "s.csv", "--baseline", tmp_path / "cat",
            "--catalog", tmp_path / "cand", "-f", "json")
    assert r.code == 0, r.err
    up = [(m["currency"], m["customer_id"]) for m in json.loads(r.out)["movers"]["up"]]
    assert up == [("JPY", f"j{i:02d}") for i in range(12, 2, -1)] + [("KWD", "k2"), ("KWD", "k1")]
