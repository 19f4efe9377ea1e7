"""Ctrl-C during `pricebook simulate` ends the run with "pricebook: interrupted" and exit 130 (SPEC §4),
whatever error DuckDB made of it ("Query interrupted" read as bad usage, exit 2; an internal error,
exit 3; or a failed id stream that the dedup search answered by sorting, running on to exit 0). A real
process, a real SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from tests.conftest import ACME


def test_sigint_during_a_long_run_is_an_interruption(tmp_path: Path) -> None:
    usage = tmp_path / "u.csv"
    duckdb.connect().execute(f"""COPY (SELECT 'e' || i AS event_id, 'c' || (i % 5000) AS customer_id,
            TIMESTAMP '2026-01-01' + to_seconds(i % (59 * 86400)) AS timestamp, 'api-calls' AS meter,
            1 + i % 7 AS quantity FROM range(4000000) t(i)) TO '{usage}' (HEADER)""")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-m", "pricebook", "simulate", str(usage), "--plan", "pro",
                              "--catalog", str(ACME), "--baseline", str(ACME), "-f", "json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    time.sleep(1.5)  # past imports and the catalog: DuckDB is reading the usage (~4 s in all)
    assert child.poll() is None, "the run ended before the signal: make the usage larger"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert (child.returncode, err, out) == (130, "pricebook: interrupted\n", "")
