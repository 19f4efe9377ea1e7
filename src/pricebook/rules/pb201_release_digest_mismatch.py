from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic, Position
from pricebook.rules import Rule, RuleContext


class ReleaseDigestMismatch(Rule):
    """A release snapshot must hash to the digest its index entry recorded: releases are immutable.

    Wrong::

        # releases/2026.01.01.json edited after the release was cut (one byte, or reformatted):
        "amount": {"USD": "19.01"}        # sha256(snapshot) != the index's digest

    Right::

        # leave cut releases alone; change prices in the catalog source and cut a new release
        pricebook release --effective 2026-02-01     # or undo one with: pricebook rollback
    """

    id = "PB201"
    name = "release-digest-mismatch"
    severity = "error"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        from pricebook.releases.index import digest_of, index_path, read_index_file, snapshot_path
        from pricebook.releases.integrity import edited_entries

        if ctx.root is None:
            return
        index = index_path(ctx.root)
        entries = read_index_file(ctx.root).entries
        # the entry itself: an effective_from or digest edited after the release was cut
        for edit in edited_entries(ctx.root, entries):
            yield Diagnostic.at(
                self.id, "error", edit.message(), Position(str(index), edit.entry.line or 1, 5),
                ("releases", edit.entry.id),
                fix=f"restore {index} from git (git checkout -- {index}); to change when prices apply, "
                    "cut a new release",
                name=self.name)
        for e in entries:
            snap = snapshot_path(ctx.root, e.id)
            if not snap.is_file():
                continue  # PB202
            actual = digest_of(snap.read_bytes())
            if actual != e.digest:
                yield Diagnostic.at(
                    self.id, "error",
                    f"release '{e.id}' was modified after it was cut: {snap.name} hashes to "
                    f"{actual[:19]}..., the index recorded {e.digest[:19]}...",
                    Position(str(index), e.line or 1, 5), ("releases", e.id),
                    fix=f"restore {snap} from git (git checkout -- {snap}) and cut a new release instead",
                    name=self.name)
