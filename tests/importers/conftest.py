"""Fixtures for the importer tests: the real Pricing2Yaml data set and small synthetic files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

PRICING2YAML = SHARED_DATA / "pricing2yaml"


@pytest.fixture
def p2y() -> Path:
    if not PRICING2YAML.is_dir():  # pragma: no cover - the data ships next to the repository
        pytest.skip(f"{PRICING2YAML} is not present")
    return PRICING2YAML
