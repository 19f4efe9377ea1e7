"""Every change kind the rule table knows is documented in docs/diff.md."""

from __future__ import annotations

import re

from pricebook.diff.classify import KNOWN_KINDS
from tests.conftest import ROOT


def test_every_kind_is_documented() -> None:
    doc = (ROOT / "docs" / "diff.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z][a-z-]+)`", doc))
    assert sorted(KNOWN_KINDS - documented) == []
