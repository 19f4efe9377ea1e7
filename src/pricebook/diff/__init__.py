"""Semantic diff of two catalogs: detect changes, then classify each through an ordered rule table.

``compare(base, head, catalog_dir)`` is what ``pricebook diff`` calls; ``diff_catalogs`` compares
two models already in memory (history, ci and tests use it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.diff.change import FAIL_ON_CHOICES, SEVERITY_RANK, Change, at_or_above
from pricebook.errors import GitError, InputError, PricebookError, UsageError
from pricebook.model import Catalog

__all__ = [
    "Change",
    "DiffResult",
    "compare",
    "diff_catalogs",
    "diff_data",
    "resolve_base",
    "with_note",
    "FAIL_ON_CHOICES",
]


@dataclass
class DiffResult:
    """The changes between two revisions, in a stable order (entity, path, kind)."""

    base: str
    head: str
    changes: list[Change] = field(default_factory=list)
    base_catalog: Catalog | None = None
    head_catalog: Catalog | None = None
    # the path (from the repository root) where BASE, a commit, has no catalog while HEAD has one
    # there (the change that adds the catalog): BASE was compared as an empty catalog
    base_missing_at: str | None = None

    @property
    def base_has_catalog(self) -> bool:
        return self.base_missing_at is None

    @property
    def note(self) -> str | None:
        """What every report says when BASE had no catalog; None otherwise."""
        if self.base_missing_at is None:
            return None
        return f"base: {self.base} has no catalog at {self.base_missing_at}: everything is added"

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for c in self.changes if c.severity == s) for s in ("breaking", "warning", "info")}

    def worst(self) -> str | None:
        if not self.changes:
            return None
        return max((c.severity for c in self.changes), key=lambda s: SEVERITY_RANK[s])

    def fails(self, fail_on: str) -> bool:
        return any(at_or_above(c.severity, fail_on) for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "base_has_catalog": self.base_has_catalog,
            "note": self.note,
            "summary": self.counts(),
            "changes": [c.to_dict() for c in self.changes],
        }

    def markdown_note(self) -> str | None:
        """``note`` as a markdown quote, for the reports that render the diff as markdown."""
        return f"> ℹ️ {self.note}" if self.note else None


def with_note(markdown: str, result: DiffResult) -> str:
    """The markdown report of ``result`` (``report.diff_markdown.render``) with its note, if any,
    right under the heading."""
    note = result.markdown_note()
    if note is None:
        return markdown
    heading, sep, rest = markdown.partition("\n\n")
    return f"{heading}\n\n{note}\n\n{rest}" if sep else f"{markdown.rstrip()}\n\n{note}\n"


def diff_data(
    base: Mapping[str, Any],
    head: Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    base_releases: Mapping[str, bytes] | None = None,
    head_releases: Mapping[str, bytes] | None = None,
) -> list[Change]:
    """Classified changes between two canonical catalogs (``catalog_to_data`` form)."""
    from pricebook.diff.classify import classify
    from pricebook.diff.detect import detect, detect_releases

    found = detect(base, head)
    if base_releases is not None and head_releases is not None:
        found += detect_releases(base_releases, head_releases)
    changes = classify(found, overrides)
    return sorted(changes, key=_order)


def _order(c: Change) -> tuple[Any, ...]:
    return (
        c.entity,
        -SEVERITY_RANK[c.severity],
        tuple(str(p) for p in c.path),
        c.kind,
        str(c.before),
        str(c.after),
    )


def diff_catalogs(
    base: Catalog | None,
    head: Catalog | None,
    overrides: Mapping[str, str] | None = None,
    base_releases: Mapping[str, bytes] | None = None,
    head_releases: Mapping[str, bytes] | None = None,
) -> list[Change]:
    """Classified changes between two models (None is an empty catalog), located in HEAD (or in
    BASE for what HEAD no longer has)."""
    from dataclasses import replace

    from pricebook.load.catalog import gc_paused
    from pricebook.load.dump import catalog_to_data

    with gc_paused():  # millions of small acyclic objects: the collector's passes free nothing
        bd = catalog_to_data(base) if base is not None else {}
        hd = catalog_to_data(head) if head is not None else {}
        changes = diff_data(bd, hd, overrides, base_releases, head_releases)
    out = []
    for c in changes:
        # The nearest node of HEAD (a removed price points at its plan's prices), else BASE.
        pos = head.locate(c.path) if head is not None else None
        if pos is None and base is not None:
            pos = base.locate(c.path)
        out.append(replace(c, position=pos) if pos is not None else c)
    return out


def newest_release(catalog_dir: Path) -> str | None:
    """The id of the last entry of ``<catalog>/releases/index.yaml``, if any."""
    import yaml

    index = catalog_dir / "releases" / "index.yaml"
    if not index.is_file():
        return None
    try:
        data = yaml.safe_load(index.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{index}: cannot read the release index: {' '.join(str(exc).split())}") from exc
    entries = data.get("releases") if isinstance(data, Mapping) else None
    if not entries:
        return None
    last = entries[-1]
    if not isinstance(last, Mapping) or not last.get("id"):
        raise InputError(f"{index}: the last release entry has no 'id'")
    return str(last["id"])


def resolve_base(
    option: str | None, catalog_dir: Path, settings: Any = None, environ: Mapping[str, str] | None = None
) -> str:
    """BASE, first found: the argument (as given: ``main`` is its tip); else, at its merge base with
    HEAD as ``ci`` compares it (a stale branch shows only its own changes), the pull request's base
    branch in GitHub Actions (``origin/$GITHUB_BASE_REF``), else pricebook.yaml's ``base``; else
    ``release:<newest>``; else exit 2."""
    from pricebook.load.revision import derived_base

    if option:
        return option
    derived = derived_base(settings, environ)
    if derived:
        return derived
    rid = newest_release(catalog_dir)
    if rid:
        return f"release:{rid}"
    raise UsageError(
        "nothing to compare with: pass BASE, set 'base:' in pricebook.yaml, or cut a release first"
    )


def severity_overrides(settings: Any) -> dict[str, str]:
    from pricebook.diff.classify import check_overrides

    if settings is None or settings.get("severity") is None:
        return {}
    return check_overrides(settings.get("severity"), str(settings.file or "pricebook.yaml"))


def compare(
    base_spec: str, head_spec: str | None, catalog_dir: Path, overrides: Mapping[str, str] | None = None
) -> DiffResult:
    """Load BASE and HEAD (path, git ref, ``REF:path``, ``release:<id>``; HEAD None is the working
    tree) and diff them. A revision that cannot be read or does not load raises (exit 2): a
    comparison that could not run never reports "no changes".

    One BASE is no error: a commit (that exists) with no catalog at the path where HEAD has one,
    the pull request that adds the catalog. It is compared as an empty catalog, as ``history``
    compares the commit that adds it: ``catalog-added`` and every entity added, all ``info``, with
    ``note`` saying why. A path that exists in neither, a ``REF:path`` BASE naming another path
    than HEAD's (a typo must not pass as "everything is new"), and a BASE whose catalog is there but
    does not load still raise."""
    from pricebook.load.catalog import gc_paused
    from pricebook.load.revision import CatalogAbsent, load_revision

    absent: CatalogAbsent | None = None
    with gc_paused():  # two large catalogs: the collector's passes cost ~40% and free nothing
        base_cat: Catalog | None = None
        try:
            base_rev, base_res = load_revision(base_spec, catalog_dir)
            base_cat = _loaded(base_rev.label, base_res)
        except CatalogAbsent as exc:
            absent, base_rev = exc, exc.revision
        try:
            head_rev, head_res = load_revision(head_spec, catalog_dir)
            head_cat = _loaded(head_rev.label, head_res)
        except PricebookError as exc:
            if absent is None:
                raise
            why = str(exc).removeprefix("cannot compare: ")
            raise InputError(f"cannot compare: {absent}, and HEAD cannot be loaded either: {why}"
                             ) from exc
    if absent is not None and not _same_path(base_rev, head_rev, catalog_dir):
        raise absent
    changes = diff_catalogs(
        base_cat,
        head_cat,
        overrides,
        {} if absent is not None else release_files(base_rev, catalog_dir),
        release_files(head_rev, catalog_dir),
    )
    if head_rev.kind == "path":
        from dataclasses import replace

        from pricebook.diagnostics import Position

        folder = Path(head_rev.path or catalog_dir) / "releases"
        changes = [
            replace(c, position=Position(str(folder / f"{c.path[1]}.json"), 1, 1))
            if c.path[0] == "releases" and c.kind != "release-removed"
            else c
            for c in changes
        ]
    missing_at = (base_rev.path or ".") if absent is not None else None
    return DiffResult(base_rev.label, head_rev.label, changes, base_cat, head_cat, missing_at)


def _same_path(base_rev: Any, head_rev: Any, catalog_dir: Path) -> bool:
    """Whether HEAD's catalog sits at the path BASE (a git revision) was read at, both relative to
    the repository root."""
    from pathlib import PurePosixPath

    if head_rev.kind == "git":
        head_path = head_rev.path
    elif head_rev.kind == "path":
        from pricebook.gitrepo import GitRepo

        try:
            repo = GitRepo.discover(catalog_dir if catalog_dir.exists() else Path.cwd())
            head_path = repo.relpath(head_rev.path)
        except GitError:
            return False
    else:  # a release snapshot has no path
        return False
    return PurePosixPath(base_rev.path or ".") == PurePosixPath(head_path or ".")


def _loaded(label: str, result: Any) -> Catalog:
    if result.catalog is not None:
        cat: Catalog = result.catalog
        return cat
    errors = [d for d in result.diagnostics if d.severity == "error"] or list(result.diagnostics)
    if errors:
        d = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InputError(
            f"cannot compare: the catalog at {label} does not load: {d.location}: {d.rule} {d.message}{more}"
        )
    raise InputError(f"cannot compare: the catalog at {label} does not load")


def release_files(rev: Any, catalog_dir: Path) -> dict[str, bytes] | None:
    """``{release id: snapshot bytes}`` of a revision, or None when it has no release folder to
    compare (a ``release:<id>`` revision is itself a snapshot)."""
    if rev.kind == "release":
        return None
    if rev.kind == "path":
        folder = Path(rev.path) / "releases"
        if not folder.is_dir():
            return {}
        return {p.stem: p.read_bytes() for p in sorted(folder.glob("*.json"))}
    from pricebook.gitrepo import GitRepo

    repo = GitRepo.discover(catalog_dir if catalog_dir.exists() else Path.cwd())
    sub = f"{rev.path}/releases" if rev.path not in ("", ".", None) else "releases"
    try:
        files = repo.read_files(rev.sha, sub, suffixes=(".json",))
    except GitError:
        return {}
    return {Path(name).stem: data for name, data in files if "/" not in name}
