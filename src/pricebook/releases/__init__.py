"""Releases: immutable snapshots and their index, grandfathering, and scripted rollback (SPEC §3).

Layout inside a catalog folder::

    releases/index.yaml        the list of releases (see ``index``), append-only
    releases/<id>.json         canonical_json(catalog_to_data(catalog)) of each release

Public functions: ``cut_release``, ``read_index``, ``list_releases``, ``timeline.release_for``,
``grandfather.add_rule`` / ``list_rules`` / ``expire_rule`` and ``rollback.rollback``. None of them
imports typer or rich.
"""

from __future__ import annotations

from pricebook.releases.cut import (
           PreparedRelease,
           ReleaseListing,
           cut_release,
           list_releases,
           prepare_release,
)
from pricebook.releases.index import ReleaseEntry, read_index

__all__ = ["PreparedRelease", "ReleaseEntry", "ReleaseListing", "cut_release", "list_releases",
           "prepare_release", "read_index"]
