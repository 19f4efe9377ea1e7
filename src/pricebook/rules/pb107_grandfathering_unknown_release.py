from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class GrandfatheringUnknownRelease(Rule):
    """A grandfathering rule must name a release that was cut: an id listed in
    ``releases/index.yaml`` (checked when the catalog folder has that index).

    Wrong::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.13.01}

    Right::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}
        # and releases/index.yaml lists id 2026.01.01 (pricebook release writes it)
    """

    id = "PB107"
    name = "grandfathering-unknown-release"
    severity = "error"
    fix_hint = "name a release id listed by `pricebook releases`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        if ctx.root is None:
            return
        index = ctx.root / "releases" / "index.yaml"
        # the folder first: a cached validation loads the catalog only when a rule asks for it
        if not index.is_file() or not ctx.catalog.grandfathering:
            return
        known = release_ids(index)
        if known is None:
            return  # an unreadable index is the release-integrity rules' finding, not ours
        for r in ctx.catalog.grandfathering.values():
            if r.release and r.release not in known:
                yield self.report(ctx, ("grandfathering", r.id, "release"),
                                  f"grandfathering rule '{r.id}' names release '{r.release}', which "
                                  f"{index.parent.name}/index.yaml does not list",
                                  fix="name a release id from 'pricebook releases'")


def release_ids(index: Path) -> set[str] | None:
    """The ids listed in a releases index (a list of entries, or ``releases:`` holding one)."""
    import yaml

    try:
        data: Any = yaml.safe_load(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if isinstance(data, dict) and "releases" in data:
        data = data["releases"]
    if isinstance(data, dict):
        return {str(k) for k in data}
    if isinstance(data, list):
        return {str(e["id"]) for e in data if isinstance(e, dict) and "id" in e}
    return set() if data is None else None
