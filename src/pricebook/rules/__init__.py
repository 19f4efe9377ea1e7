"""Semantic validation rules: one module per rule, named by its id (``pb101_...``).

A rule is a subclass of ``Rule`` with a stable ``id`` (``PB101``), a kebab-case ``name``, a
``severity`` and a docstring that shows the wrong and the right way. ``check`` yields Diagnostics.
Rules are imported inside ``all_rules`` so that loading the CLI stays light.

A rule's ``scope`` says what its findings depend on, which lets ``validate`` check again only what
an edit touched (``validation.py``):

- ``"catalog"`` (the default): anything in the catalog.
- ``"plan"``: a finding under ``plans.<id>`` depends only on that plan as resolved, the plans it
  extends and everything outside ``plans``; any other finding depends only on what is outside
  ``plans``. Such a rule may be run on a catalog holding only some of the plans (and their
  ancestors), and reports exactly its findings for those. ``tests/rules/test_plan_scope.py`` holds
  every rule that claims it to that, over every case file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pricebook.diagnostics import CatalogPath, Diagnostic, Severity
from pricebook.model import Catalog


@dataclass(frozen=True)
class RuleContext:
    catalog: Catalog
    root: Path | None = None  # the catalog folder on disk, when there is one


Scope = Literal["catalog", "plan"]


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    scope: ClassVar[Scope] = "catalog"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        raise NotImplementedError

    def report(self, ctx: RuleContext, path: CatalogPath, message: str, fix: str | None = None,
               severity: Severity | None = None) -> Diagnostic:
        """A finding of this rule at ``path`` (its position comes from the catalog's source map)."""
        return Diagnostic.at(self.id, severity or self.severity, message, ctx.catalog.locate(path), path, fix,
                             self.name)


def all_rules() -> list[Rule]:
    """Every rule, ordered by id. Modules named ``pb<digits>_*`` in this package are rules."""
    rules: list[Rule] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("pb"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(mod).values():
            if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod.__name__:
                rules.append(obj())
    return sorted(rules, key=lambda r: r.id)


def run_rules(catalog: Catalog, root: Path | None = None, rules: Iterable[Rule] | None = None
              ) -> Iterator[Diagnostic]:
    ctx = RuleContext(catalog, root)
    for rule in rules if rules is not None else all_rules():
        yield from rule.check(ctx)
