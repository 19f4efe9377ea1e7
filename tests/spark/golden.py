"""Golden stage-1 SQL per dialect: what `pricebook aggregate-sql` prints for tests/spark/catalog
(a frozen copy of catalogs/acme billed in Europe/Berlin months).

Regenerate after a deliberate change to stage 1 or to the dialect fixes, and review the diff:

    .venv/bin/python -m tests.spark.golden
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "fixtures" / "golden"
CATALOG = ROOT / "tests" / "spark" / "catalog"
TABLE = "usage"


def golden_path(dialect: str) -> Path:
    return GOLDEN / f"stage1_{dialect}.sql"


def golden_sql(dialect: str) -> str:
    """The SQL the golden file for ``dialect`` must hold (plain export shape, table ``usage``)."""
    from pricebook.simulate.dialects import aggregate_sql_command

    return aggregate_sql_command(CATALOG, dialect, table=TABLE).sql


def main() -> None:
    from pricebook.simulate.dialects import DIALECTS

    GOLDEN.mkdir(parents=True, exist_ok=True)
    for d in DIALECTS:
        golden_path(d).write_text(golden_sql(d), encoding="utf-8")
        print(f"wrote {golden_path(d).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
