from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic, Position
from pricebook.rules import Rule, RuleContext


class ReleaseSnapshotUnlisted(Rule):
    """Every snapshot ``releases/<id>.json`` must be listed in ``releases/index.yaml``.

    Wrong::

        # releases/2026.02.01.json exists but no index entry names it (copied in by hand, or left
        # by a release interrupted before its index was written): nothing says when it applies

    Right::

        pricebook release 2026.02.01 --effective 2026-02-01   # writes snapshot and index together
    """

    id = "PB203"
    name = "release-snapshot-unlisted"
    severity = "error"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        from pricebook.releases.index import read_index_file, releases_dir

        if ctx.root is None:
            return
        folder = releases_dir(ctx.root)
        if not folder.is_dir():
            return
        read = read_index_file(ctx.root)
        listed = {e.id for e in read.entries} | {p.release_id for p in read.problems if p.release_id}
        for snap in sorted(folder.glob("*.json")):
            if snap.name.startswith("."):
                continue
            rid = snap.name[: -len(".json")]
            if rid not in listed:
                yield Diagnostic.at(self.id, "error",
                                    f"release snapshot '{rid}' is not listed in releases/index.yaml",
                                    Position(str(snap), 1, 1), ("releases", rid),
                                    fix=f"remove {snap} and cut the release again with 'pricebook release'",
                                    name=self.name)
