"""What `pricebook import pricing2yaml` writes is already in `pricebook fmt`'s layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "pricing2yaml"


def assert_fmt_clean(cli, folder: Path) -> None:
    res = cli("fmt", "--check", folder)
    assert res.code == 0, res.out
    assert "0 files would be reformatted" in res.out


# Long descriptions, which a narrower writer wraps and fmt joins again.
@pytest.mark.parametrize("source", ["buffer/2021.yml", "box/2024.yml"])
def test_a_real_import_passes_fmt_check(cli, p2y: Path, tmp_path: Path, source: str) -> None:
    out = tmp_path / "out"
    res = cli("import", "pricing2yaml", p2y / source, "--out", out)
    assert res.code == 0, res.out + res.err
    [catalog] = out.iterdir()
    assert_fmt_clean(cli, catalog)


def test_the_fixture_pricings_import_fmt_clean(cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = cli("import", "pricing2yaml", FIXTURES / "figma" / "2024.yml", "--out", out)
    assert res.code == 0, res.out + res.err
    assert_fmt_clean(cli, out / "figma-2024")


def test_a_history_import_is_fmt_clean(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    res = cli("import", "pricing2yaml", "--history", FIXTURES / "evernote", "--repo", repo)
    assert res.code == 0, res.out + res.err
    assert_fmt_clean(cli, repo / "catalogs" / "evernote")
