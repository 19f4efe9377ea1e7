"""The markdown PR comment for a realistic change to catalogs/acme, against a reviewed golden file.

Regenerate after an intended change to the renderer, then review the file's diff::

    PRICEBOOK_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/diff/test_golden.py
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

from pricebook.diff import compare
from pricebook.report.diff_markdown import render
from tests.conftest import ACME, ROOT

GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "diff_acme.md"
TEAM = """plans:
  team:
    name: Team
    description: Pro for small teams, billed yearly.
    extends: pro
    billing_period: year
    prices:
      platform: {model: flat, amount: {USD: "490.00", EUR: "450.00"}}
"""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def realistic_change(tmp_path: Path) -> Path:
    """Pro's platform fee up, a storage tier bound moved, SSO revoked on Pro, a Team plan added."""
    head = tmp_path / "acme"
    shutil.copytree(ACME, head)
    pro = head / "plans" / "pro.yaml"
    _edit(pro, '{USD: "49.00", EUR: "45.00"}', '{USD: "59.00", EUR: "55.00"}')
    _edit(pro, "- {up_to: 100, unit_price", "- {up_to: 50, unit_price")
    _edit(pro, "      sso: true", "      sso: false")
    (head / "plans" / "team.yaml").write_text(TEAM, encoding="utf-8")
    return head


def test_markdown_report_matches_the_golden_file(tmp_path: Path) -> None:
    result = compare(str(ACME), str(realistic_change(tmp_path)), ACME)
    result = replace(result, base="main", head="pricing/raise-pro")
    text = render(result, "breaking")
    if os.environ.get("PRICEBOOK_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
