from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class GrandfatheringPlanNotInRelease(Rule):
    """A grandfathering rule's plans should be plans of the release it keeps customers on: a customer
    on a plan the release does not have cannot be billed there (``quote`` refuses, ``simulate``
    reports them under ``plan_not_billed``). This happens after a plan rename: the rule must name the
    new id (PB106), the release knows only the old one.

    Wrong::

        plans:
          professional: {...}        # was pro; release 2026.01.01 has pro
        grandfathering:
          legacy-pro: {plans: [professional], subscribed_before: 2026-06-01, release: 2026.01.01}

    Right::

        # keep the plan's id while customers are grandfathered on it, or cut a release that has it
        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}
    """

    id = "PB134"
    name = "grandfathering-plan-not-in-release"
    severity = "warning"
    fix_hint = ("keep the plan's id while a rule keeps its customers on a release, "
                "or cut a release that has it")

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        from pricebook.releases.index import index_path, snapshot_path

        # the folder first: a cached validation loads the catalog only when a rule asks for it
        if ctx.root is None or not index_path(ctx.root).is_file() or not ctx.catalog.grandfathering:
            return
        plans_of: dict[str, set[str] | None] = {}
        for r in ctx.catalog.grandfathering.values():
            if not r.release or not r.plans:
                continue
            if r.release not in plans_of:
                plans_of[r.release] = _snapshot_plans(snapshot_path(ctx.root, r.release))
            known = plans_of[r.release]
            if known is None:
                continue  # no readable snapshot: the release rules' finding (PB107, PB202), not ours
            for p in r.plans:
                if p not in known:
                    yield self.report(
                        ctx, ("grandfathering", r.id, "plans"),
                        f"grandfathering rule '{r.id}' keeps plan '{p}' on release '{r.release}', which has "
                        f"no plan '{p}' (its plans: {', '.join(sorted(known)) or 'none'}): those customers "
                        "cannot be billed there", fix=self.fix_hint)


def _snapshot_plans(path: Path) -> set[str] | None:
    """The plan ids of a release snapshot (None: missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    plans = data.get("plans") if isinstance(data, dict) else None
    return {str(k) for k in plans} if isinstance(plans, dict) else None
