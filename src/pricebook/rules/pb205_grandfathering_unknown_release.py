from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class GrandfatheringUnknownRelease(Rule):
    """A grandfathering rule must pin a release that exists in ``releases/index.yaml``.

    Wrong::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.1.1}

    Right (``pricebook releases`` lists the ids)::

        grandfathering:
          legacy-pro: {plans: [pro], subscribed_before: 2026-06-01, release: 2026.01.01}

    Checked only when the catalog is a folder on disk (its ``releases/`` is known).
    """

    id = "PB205"
    name = "grandfathering-unknown-release"
    severity = "error"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        import difflib

        from pricebook.releases.index import read_index_file

        if ctx.root is None or not ctx.catalog.grandfathering:
            return
        read = read_index_file(ctx.root)
        known = [e.id for e in read.entries]
        for rule in ctx.catalog.grandfathering.values():
            if rule.release in known:
                continue
            close = difflib.get_close_matches(rule.release, known, n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            shown = ", ".join(known[-5:]) if known else "none; cut one with 'pricebook release'"
            yield self.report(ctx, ("grandfathering", rule.id, "release"),
                              f"grandfathering rule '{rule.id}' pins release '{rule.release}', which does not "
                              f"exist{hint}", fix=f"use an existing release id ({shown})")
