"""Revenue simulation: replay usage through a baseline and a candidate catalog inside DuckDB.

``run_simulation(options, baseline, candidate) -> SimulationResult`` is the one entry point; see
``engine``. Stage 1 (``stage1.aggregate_sql``) is portable SQL; stage 2 (``stage2``) rates in DuckDB.
"""

from __future__ import annotations

from pricebook.simulate.engine import Side, SimulationOptions, run_simulation
from pricebook.simulate.result import SimulationResult

__all__ = ["Side", "SimulationOptions", "SimulationResult", "run_simulation"]
