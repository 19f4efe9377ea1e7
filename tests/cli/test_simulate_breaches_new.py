"""Hard entitlement limits the candidate breaks are marked new only where the baseline does not break
the same limit for that customer and period: a change that touches no limit breaks nothing new."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import ACME, write_files

# Free: monthly-calls hard limit 10,000. c1 makes 20,000 calls (over on both sides), c2 8,000 (under
# 10,000, over a lowered 5,000 limit)
USAGE = ("customer_id,timestamp,meter,quantity\n"
         "c1,2026-01-05T10:00:00Z,api-calls,20000\nc2,2026-01-05T10:00:00Z,api-calls,8000\n")


def _run(cli, tmp_path: Path, cand: Path, *fmt: str):
    r = cli("simulate", tmp_path / "u.csv", "--plan", "free", "--baseline", str(ACME), "--catalog", str(cand), *fmt)
    assert r.code == 0, r.err
    return r


def test_breaches_the_baseline_shares_are_not_new(cli, tmp_path: Path) -> None:
    write_files(tmp_path, {"u.csv": USAGE})
    same = json.loads(_run(cli, tmp_path, ACME, "-f", "json").out)["entitlement_breaches"]
    assert [(b["customer_id"], b["feature"], b["usage"], b["new"]) for b in same] == [
        ("c1", "monthly-calls", "20000", False)]
    assert "1 (none new: the baseline breaks them too)" in _run(cli, tmp_path, ACME).out

    lowered = tmp_path / "lowered"
    shutil.copytree(ACME, lowered)
    free = lowered / "plans" / "free.yaml"
    free.write_text(free.read_text().replace("monthly-calls: {limit: 10000,", "monthly-calls: {limit: 5000,"))
    got = json.loads(_run(cli, tmp_path, lowered, "-f", "json").out)["entitlement_breaches"]
    # the change's own breaches first
    assert [(b["customer_id"], b["limit"], b["new"]) for b in got] == [("c2", "5000", True), ("c1", "5000", False)]
    text = _run(cli, tmp_path, lowered).out
    assert "2 (1 new)" in text and "c2 2026-01 free: monthly-calls 8,000 > 5,000 (new)" in text
    assert text.index("c2 2026-01 free") < text.index("c1 2026-01 free")
    html = tmp_path / "r.html"
    _run(cli, tmp_path, lowered, "--html", str(html))
    assert "limits broken under the candidate: 2 (1 new)</h2>" in html.read_text(encoding="utf-8")
