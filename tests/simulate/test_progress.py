"""Progress of a long simulation: DuckDB's estimate of the running statement reaches the callback,
the stage 1 scan reports more than 0% (an IN list of six or more meters once made DuckDB report 0%
for the whole scan), and nothing is printed to stdout, where the report goes. Real DuckDB, real files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import pricebook.simulate.progress as progress_mod
from pricebook.load import load_catalog
from pricebook.simulate import Side, SimulationOptions, run_simulation
from tests.conftest import ACME


def test_progress_reaches_the_callback_and_not_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capfd: pytest.CaptureFixture[str]) -> None:
    # acme has 7 meters: stage 1's status names them all in one IN list
    usage = tmp_path / "u.parquet"
    duckdb.connect().execute(f"""COPY (SELECT 'cus_' || (i % 1000) AS customer_id,
            TIMESTAMP '2026-01-01' + to_seconds(i % (59 * 86400)) AS ts,
            ['api-calls', 'tokens', 'seats', 'storage'][1 + (i % 4)::INTEGER] AS meter,
            CAST(1 + i % 10 AS DECIMAL(18, 3)) AS quantity FROM range(3000000) t(i))
        TO '{usage}' (FORMAT parquet)""")
    monkeypatch.setattr(progress_mod, "SHOW_AFTER", 0.0)
    monkeypatch.setattr(progress_mod, "POLL", 0.01)
    seen: list[tuple[str, float | None]] = []
    cat = load_catalog(ACME).catalog
    capfd.readouterr()
    run_simulation(SimulationOptions(usage=[str(usage)], default_plan="pro", mapping={"timestamp": "ts"},
                                     progress=lambda phase, pct: seen.append((phase, pct))),
                   Side("baseline", "b", cat), Side("candidate", "c", cat))
    out = capfd.readouterr().out
    assert out == ""  # DuckDB's own bar would print here
    reading = [pct for phase, pct in seen if phase == "reading usage" and pct is not None]
    assert reading and max(reading) > 0
    assert all(0 <= pct <= 100 for _, pct in seen if pct is not None)
    assert ("rating", None) in seen  # ~100 short statements: no percentage
    assert seen[-1] == ("", None)  # the last call clears the line
