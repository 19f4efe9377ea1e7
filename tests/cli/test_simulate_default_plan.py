"""`simulate --plan`: customers with usage but no subscription row are billed from the month of their
first usage, not from the first simulated month. Real files, real DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ACME, write_files

# starter: platform 19.00 a month; one api call is inside the 10,000 included, so a month bills 19.00
USAGE = """\
customer_id,timestamp,meter,quantity
c1,2026-01-05T10:00:00Z,api-calls,1
c1,2026-03-05T10:00:00Z,api-calls,1
c2,2026-03-05T10:00:00Z,api-calls,1
"""


def _periods(cli, tmp_path: Path, *extra: str) -> dict[str, tuple[str, int]]:
    write_files(tmp_path, {"u.csv": USAGE})
    r = cli("simulate", tmp_path / "u.csv", "--plan", "starter", "--catalog", str(ACME),
            "--baseline", str(ACME), "-f", "json", *extra)
    assert r.code == 0, r.err
    out = json.loads(r.out)
    return {p["period"]: (p["baseline"], p["customers"]) for p in out["by_period"]}


def test_a_default_plan_customer_is_billed_from_its_first_usage(cli, tmp_path: Path) -> None:
    # c1 from January (its first usage), also in February without usage; c2 first seen in March:
    # January and February bill c1 alone (19.00), March both (38.00): 76.00, not 114.00
    assert _periods(cli, tmp_path) == {"2026-01": ("19.00", 1), "2026-02": ("19.00", 1),
                                       "2026-03": ("38.00", 2)}


def test_a_first_usage_before_the_window_bills_from_the_window(cli, tmp_path: Path) -> None:
    # --from 2026-02: c1's first usage (January) is before the window, so it is billed from February
    assert _periods(cli, tmp_path, "--from", "2026-02", "--to", "2026-03") == {
        "2026-02": ("19.00", 1), "2026-03": ("38.00", 2)}
