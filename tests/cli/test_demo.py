from __future__ import annotations

from pathlib import Path


def test_demo_runs_the_tour(cli, tmp_path: Path) -> None:
    r = cli("demo", "--events", "5000", "--dir", tmp_path / "d")
    assert r.code == 0, r.err
    assert "validate baseline: valid" in r.out and "Revenue impact" in r.out
    assert "duplicate" in r.out and "unknown_meter" in r.out
    assert (tmp_path / "d" / "usage.csv").stat().st_size > 0
