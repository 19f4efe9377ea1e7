"""Loading pauses the cyclic collector, and only the CLI process may end the pause with gc.freeze()."""

from __future__ import annotations

import gc

from pricebook.load import load_catalog
from tests.conftest import ACME


def test_library_calls_do_not_freeze_the_callers_objects() -> None:
    gc.unfreeze()
    before = gc.get_freeze_count()
    assert load_catalog(ACME).catalog is not None
    assert gc.get_freeze_count() == before == 0
    assert gc.isenabled()


def test_the_cli_entry_point_restores_the_setting(cli) -> None:
    from pricebook.load import catalog

    assert cli("validate", ACME).code == 0
    assert catalog._FREEZE_AFTER_PAUSE is False  # in-process callers never freeze
