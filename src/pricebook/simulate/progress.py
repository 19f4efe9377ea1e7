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

Report = Callable[[str, float | None], None]  # (phase, percent of the running statement); None: done

SHOW_AFTER = 1.0  # seconds a phase runs before it is reported: short runs stay quiet
POLL = 0.25  # seconds between two readings


class Progress:
    """Reports the running statement's progress, under the current phase's name, while active.

    ``phase(name)`` names what the statements that follow do ("reading usage", "rating"); ``close()``
    stops the thread and tells the callback the run is done (``None``), so it can clear its line.
    """

    def __init__(self, con: Any, report: Report) -> None:
        self._con = con
        self._report = report
        self._name = ""
        self._since = time.monotonic()
        self._shown = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pricebook-progress", daemon=True)
        self._thread.start()

    def phase(self, name: str) -> None:
        self._name, self._since = name, time.monotonic()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self._shown:
            self._report(self._name, None)

    def _run(self) -> None:
        while not self._stop.wait(POLL):
            if time.monotonic() - self._since < SHOW_AFTER:
                continue
            try:
                pct = float(self._con.query_progress())
            except Exception:  # the connection is closing, or this duckdb cannot tell: stay quiet
                return
            if pct >= 0:
                self._shown = True
                self._report(self._name, min(pct, 100.0))
