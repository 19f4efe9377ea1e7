"""`simulate` refuses a side whose catalog has validation errors, as `quote` does, in one line that
names the file and line of the first error: it would otherwise bill what quote refuses to."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import ACME, write_files


def test_an_invalid_candidate_is_refused_with_where(cli, tmp_path: Path) -> None:
    cand = tmp_path / "cand"
    shutil.copytree(ACME, cand)
    (cand / "plans" / "enterprise.yaml").unlink()  # the add-on still names it: PB105
    write_files(tmp_path, {"u.csv": "customer_id,timestamp,meter,quantity\nc1,2026-01-03,api-calls,1\n"})
    r = cli("simulate", tmp_path / "u.csv", "--plan", "pro", "--baseline", str(ACME), "--catalog", str(cand))
    assert r.code == 2
    (line,) = r.err.strip().splitlines()
    assert f"{cand}/add_ons.yaml:7:" in line and "PB105" in line and "enterprise" in line
    assert "run 'pricebook validate'" in line
