from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic, Position
from pricebook.rules import Rule, RuleContext


class ReleaseIndexInvalid(Rule):
    """``releases/index.yaml`` must be the list pricebook writes: each entry with a valid ``id``, an
    ``effective_from`` date-time and a ``sha256:`` digest, each id once.

    Wrong::

        releases:
          - id: 2026.01.01
            effective_from: next monday
            digest: abc

    Right::

        releases:
          - id: "2026.01.01"
            effective_from: "2026-01-01T00:00:00Z"
            digest: "sha256:<64 hex digits>"      # pricebook release writes it; do not edit by hand
    """

    id = "PB204"
    name = "release-index-invalid"
    severity = "error"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        from pricebook.releases.index import index_path, read_index_file

        if ctx.root is None:
            return
        index = index_path(ctx.root)
        for p in read_index_file(ctx.root).problems:
            path = ("releases", p.release_id) if p.release_id else ("releases",)
            yield Diagnostic.at(self.id, "error", p.message, Position(str(index), p.line, p.column), path,
                                name=self.name)
