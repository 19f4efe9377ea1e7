from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic, Position
from pricebook.rules import Rule, RuleContext


class ReleaseSnapshotMissing(Rule):
    """Every release listed in ``releases/index.yaml`` must have its snapshot ``releases/<id>.json``.

    Wrong::

        # releases/index.yaml lists id 2026.01.01, but releases/2026.01.01.json was deleted
        # or never committed

    Right::

        git add catalogs/acme/releases/      # commit every snapshot with the index
    """

    id = "PB202"
    name = "release-snapshot-missing"
    severity = "error"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        from pricebook.releases.index import index_path, read_index_file, snapshot_path

        if ctx.root is None:
            return
        index = index_path(ctx.root)
        for e in read_index_file(ctx.root).entries:
            snap = snapshot_path(ctx.root, e.id)
            if not snap.is_file():
                yield Diagnostic.at(self.id, "error", f"release '{e.id}' has no snapshot: {snap} is missing",
                                    Position(str(index), e.line or 1, 5), ("releases", e.id),
                                    fix=f"restore {snap} from git", name=self.name)
