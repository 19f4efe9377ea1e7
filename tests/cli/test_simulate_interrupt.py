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
import pytest

from tests.conftest import ACME


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts the run's threads in /proc")
def test_sigint_during_a_long_run_is_an_interruption(tmp_path: Path) -> None:
    usage = tmp_path / "u.csv"
    duckdb.connect().execute(f"""COPY (SELECT 'e' || i AS event_id, 'c' || (i % 5000) AS customer_id,
            TIMESTAMP '2026-01-01' + to_seconds(i % (59 * 86400)) AS timestamp, 'api-calls' AS meter,
            1 + i % 7 AS quantity FROM range(4000000) t(i)) TO '{usage}' (HEADER)""")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen([sys.executable, "-m", "pricebook", "simulate", str(usage), "--plan", "pro",
                              "--catalog", str(ACME), "--baseline", str(ACME), "-f", "json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    # Wait for DuckDB's worker threads (the connection is open: imports and the catalog are done, the
    # usage is being read), then a little longer into the scan; a fixed sleep could land in the imports
    # on a slow machine, or after the end on a fast one.
    deadline = time.monotonic() + 30
    while len(os.listdir(f"/proc/{child.pid}/task")) < 2 and child.poll() is None:
        assert time.monotonic() < deadline, "DuckDB never started"
        time.sleep(0.02)
    time.sleep(0.3)
    assert child.poll() is None, "the run ended before the signal: make the usage larger"
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert (child.returncode, err, out) == (130, "pricebook: interrupted\n", "")
