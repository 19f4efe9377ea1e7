"""Progress of a long simulation, for a terminal: DuckDB's own estimate of the running statement.

DuckDB can print a progress bar itself, but it writes it to stdout (where the report goes, also when
stdout is a file) and, from the Python client, only shows it once the statement ends. Instead a
background thread reads ``query_progress()`` (safe while another thread runs a statement: DuckDB
releases the GIL while it executes) and hands the percentage to a callback, which the CLI draws on
stderr. Nothing here prints.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

# (phase, percent of the running scan, or None where there is no estimate); the phase "" means done
Report = Callable[[str, float | None], None]  # no-float-ok

SHOW_AFTER = 1.0  # seconds a phase runs before it is reported: short runs stay quiet
POLL = 0.25  # seconds between two readings


class Progress:
    """Reports the running statement's progress, under the current phase's name, while active.

    ``phase(name, scan)`` names what the statements that follow do ("reading usage", "rating"); only a
    scan's percentage is reported (rating runs ~100 short statements whose own percentages would jump
    back and forth: it is reported without one). ``close()`` stops the thread and tells the callback the
    run is done (phase ""), so it can clear its line.
    """

    def __init__(self, con: Any, report: Report) -> None:
        self._con = con
        self._report = report
        self._phase = ("", False, time.monotonic())  # (name, scan, since): one value, read whole
        self._shown = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pricebook-progress", daemon=True)
        self._thread.start()

    def phase(self, name: str, scan: bool = False) -> None:
        self._phase = (name, scan, time.monotonic())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self._shown:
            self._report("", None)

    def _run(self) -> None:
        while not self._stop.wait(POLL):
            name, scan, since = self._phase
            if time.monotonic() - since < SHOW_AFTER:
                continue
            if not scan:
                self._shown = True
                self._report(name, None)
                continue
            try:
                pct = float(self._con.query_progress())  # no-float-ok
            except Exception:  # between statements, or this duckdb cannot tell: no reading this time
                continue
            if pct >= 0:
                self._shown = True
                self._report(name, min(pct, 100.0))
