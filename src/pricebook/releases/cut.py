"""Cutting a release: validate, snapshot the fully resolved catalog, append it to the index.

A release is written as two files, in this order, through ``write_all_atomic``: the snapshot
``releases/<id>.json`` (exactly ``canonical_json(catalog_to_data(catalog))``), then the index. A crash
between the two renames leaves a snapshot that the index does not list, which ``validate`` reports
(PB203); a crash before them leaves both files as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from pricebook.errors import GuardError, InputError, UsageError
from pricebook.load import SourceFile
from pricebook.load.catalog import is_source
from pricebook.model import Catalog
from pricebook.releases.index import (
    ReleaseEntry,
    appended_index,
    as_utc,
    digest_of,
    format_datetime,
    index_path,
    now_utc,
    ordered,
    read_index,
    releases_dir,
    seal_of,
    snapshot_path,
    valid_id,
)

if TYPE_CHECKING:
    from pricebook.gitrepo import GitRepo

_AUTO = "auto"


@dataclass(frozen=True)
class PreparedRelease:
    """A release computed in memory, not yet written."""

    entry: ReleaseEntry
    catalog: Catalog
    snapshot_path: Path
    snapshot_text: str
    index_path: Path
    index_text: str

    def writes(self) -> list[tuple[Path, str]]:
        """Snapshot first, index last: the index never lists a snapshot that is not on disk."""
        return [(self.snapshot_path, self.snapshot_text), (self.index_path, self.index_text)]


@dataclass(frozen=True)
class ReleaseListing:
    entries: list[ReleaseEntry]
    in_force: str | None
    at: datetime


def _validated_catalog(catalog_dir: Path, sources: list[SourceFile] | None) -> Catalog:
    from pricebook.load import load_sources
    from pricebook.validation import check_loaded, validate_path

    result = validate_path(catalog_dir) if sources is None else check_loaded(load_sources(sources),
                                                                              root=catalog_dir)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors or result.catalog is None:
        first = errors[0] if errors else None
        detail = f": {first.location}: {first.rule} {first.message}" if first else ""
        raise GuardError(f"the catalog has {len(errors)} error{'s' if len(errors) != 1 else ''}; "
                         f"fix {'them' if len(errors) != 1 else 'it'} before releasing{detail}")
    return result.catalog


def default_release_id(effective: datetime, timezone: str, taken: set[str]) -> str:
    """The effective date in the catalog's timezone (``2026.11.01``), then ``2026.11.01-2``, ..."""
    from zoneinfo import ZoneInfo

    local = effective.astimezone(ZoneInfo(timezone)) if timezone != "UTC" else effective
    base = local.strftime("%Y.%m.%d")
    rid, n = base, 1
    while rid in taken:
        n += 1
        rid = f"{base}-{n}"
    return rid


def _sources_among(files: list[str], catalog_rel: str) -> list[str]:
    """Those of ``files`` (repo-relative) that are catalog source files of the catalog folder at
    ``catalog_rel`` (repo-relative; ``""`` for the root): what the loader reads."""
    inside = PurePosixPath(catalog_rel) if catalog_rel else None
    out = []
    for f in files:
        path = PurePosixPath(f)
        if inside is not None:
            if inside not in path.parents:
                continue
            path = path.relative_to(inside)
        if is_source(path.as_posix()):
            out.append(f)
    return out


def ignored_sources(repo: GitRepo, catalog_dir: Path) -> list[str]:
    """Catalog source files (repo-relative) that git ignores: the loader reads them, but no commit
    holds them and git cannot restore them. For the git guards they are uncommitted work."""
    rel = repo.relpath(catalog_dir)
    return _sources_among(repo.ignored_files([rel or "."]), rel)


def listed(files: list[str], limit: int = 5) -> str:
    """``a, b, c and 4 more``: the first ``limit`` of ``files`` for a one-line refusal."""
    return ", ".join(files[:limit]) + (f" and {len(files) - limit} more" if len(files) > limit else "")


def ignored_advice(repo: GitRepo, ignored: list[str]) -> str:
    """What to do about catalog files git ignores, for a refusal's one line."""
    shown = listed(ignored)
    one = len(ignored) == 1
    rule = repo.ignore_rule(ignored[0])
    return (f"{shown} {'is' if one else 'are'} ignored by git{f' ({rule})' if rule else ''} but read as "
            f"catalog source: commit {'it' if one else 'them'} ('git add -f') or move "
            f"{'it' if one else 'them'} out of the catalog folder")


def _source_commit(catalog_dir: Path) -> tuple[str | None, list[str], list[str]]:
    """HEAD's sha when the catalog is in a git repository with commits; the catalog's source files
    (outside releases/) that differ from it: modified, staged, untracked or ignored (repo-relative);
    and those of them that git ignores."""
    from pricebook.gitrepo import GitRepo

    repo = GitRepo.maybe(catalog_dir)
    if repo is None or not repo.has_commits():
        return None, [], []
    rel = repo.relpath(catalog_dir)
    ignored = ignored_sources(repo, catalog_dir)
    dirty = _sources_among(repo.dirty_files([rel or "."]), rel)
    return repo.head(), sorted({*dirty, *ignored}), ignored


def prepare_release(catalog_dir: Path, release_id: str | None = None,
                    effective: date | datetime | None = None,
                    notes: str | None = None, rollback_of: str | None = None,
                    sources: list[SourceFile] | None = None,
                    source_commit: str | None = _AUTO) -> PreparedRelease:
    """Everything ``cut_release`` checks and computes, without writing.

    ``sources`` replaces the catalog files on disk (rollback validates the files it is about to write);
    ``source_commit`` overrides the recorded commit (default: HEAD, see ``cut_release``).
    """
    catalog_dir = Path(catalog_dir)
    if release_id is not None and not valid_id(release_id):
        raise UsageError(f"release id '{release_id}' is not valid: use letters, digits, '.', '_' and '-' "
                         "(not starting with '.')")
    folder = releases_dir(catalog_dir)
    for path in (folder, index_path(catalog_dir)):
        if path.exists() and path.is_dir() != (path == folder):
            kind = "folder" if path == folder else "file"
            raise InputError(f"{path} exists but is not a {kind}: pricebook keeps releases in "
                             f"{folder}/ (index.yaml and one <id>.json per release); move it away first")
    catalog = _validated_catalog(catalog_dir, sources)
    from pricebook.load.dump import canonical_json, catalog_to_data

    entries = read_index(catalog_dir)
    when = as_utc(effective, catalog.timezone).replace(microsecond=0) if effective else now_utc()
    text = canonical_json(catalog_to_data(catalog))
    digest = digest_of(text)
    newest = ordered(entries)[-1] if entries else None
    if newest is not None:
        if when < newest.effective_from:
            raise GuardError(f"effective_from {format_datetime(when)} is before the newest release "
                             f"'{newest.id}' ({format_datetime(newest.effective_from)}); "
                             "releases only move forward")
        if digest == newest.digest:
            raise GuardError(f"nothing changed since release '{newest.id}': "
                             "the resolved catalog is identical")
    taken = {e.id for e in entries}
    rid = release_id or default_release_id(when, catalog.timezone, taken)
    if rid in taken:
        raise GuardError(f"release '{rid}' already exists; releases are immutable, choose another id")
    snap = snapshot_path(catalog_dir, rid)
    if snap.exists():
        raise GuardError(f"{snap} already exists but the index does not list it; run 'pricebook validate' "
                         "and remove the stray snapshot first")
    if source_commit == _AUTO:
        commit, dirty, _ = _source_commit(catalog_dir)
    else:
        commit, dirty = source_commit, []
    entry = ReleaseEntry(id=rid, effective_from=when, digest=digest, source_commit=commit,
                         notes=notes, rollback_of=rollback_of, created_at=now_utc(), source_dirty=bool(dirty),
                         seal=seal_of(rid, when, digest))
    ipath = index_path(catalog_dir)
    existing = ipath.read_bytes().decode("utf-8") if ipath.is_file() else None
    return PreparedRelease(entry, catalog, snap, text, ipath, appended_index(existing, entries, entry))


def cut_release(catalog_dir: Path, release_id: str | None = None, effective: date | datetime | None = None,
                notes: str | None = None, tag: bool = False, rollback_of: str | None = None) -> ReleaseEntry:
    """Cut an immutable release of the catalog in ``catalog_dir`` and return its index entry.

    Refuses (``GuardError``, exit 1) when the catalog has any validation error, when nothing changed
    since the newest release, when ``release_id`` already exists, or when ``effective`` is before the
    newest release's ``effective_from``. Effective dates in the past are fine otherwise (an importer
    replays a pricing history one release per year). ``effective`` defaults to now; a naive datetime
    or a date is read in the catalog's timezone. ``release_id`` defaults to the effective date
    (``2026.11.01``, then ``2026.11.01-2``).

    ``source_commit`` is HEAD when the catalog is inside a git repository with commits, else null;
    ``source_dirty: true`` is added when the catalog's files differed from HEAD at that moment.
    With ``tag=True`` the annotated tag ``pricebook/<id>`` is created on HEAD after the files are
    written. Before anything is written, ``tag=True`` refuses (``GuardError``) when the tag exists
    and when the catalog's source files have uncommitted changes: HEAD would then not hold the
    catalog being released, and the tag would point at other prices.
    """
    from pricebook.fsutil import write_all_atomic
    from pricebook.gitrepo import GitRepo

    prepared = prepare_release(catalog_dir, release_id, effective, notes, rollback_of)
    repo = None
    if tag:
        repo = GitRepo.maybe(catalog_dir)
        if repo is None or not repo.has_commits():
            raise UsageError("--tag needs the catalog to be inside a git repository with at least one commit")
        name = tag_name(prepared.entry.id)
        if name in [t.name for t in repo.raw.tags]:
            raise GuardError(f"tag '{name}' already exists")
        _, dirty, ignored = _source_commit(catalog_dir)
        changed = [f for f in dirty if f not in ignored]
        if changed:
            shown = listed(changed)
            also = f"; and {ignored_advice(repo, ignored)}" if ignored else ""
            raise GuardError(f"--tag would tag HEAD, which does not hold the catalog being released: "
                             f"{shown} {'has' if len(changed) == 1 else 'have'} uncommitted changes; "
                             f"commit them first, then release with --tag{also} (nothing was written)")
        if ignored:
            raise GuardError(f"--tag would tag HEAD, which does not hold the catalog being released: "
                             f"{ignored_advice(repo, ignored)}, then release with --tag "
                             "(nothing was written)")
    write_all_atomic(prepared.writes())
    if repo is not None:
        e = prepared.entry
        message = (f"pricebook release {e.id}\n\neffective_from: {format_datetime(e.effective_from)}\n"
                   f"digest: {e.digest}\n" + (f"\n{e.notes}\n" if e.notes else ""))
        repo.tag(tag_name(e.id), message)
    return prepared.entry


def tag_name(release_id: str) -> str:
    return f"pricebook/{release_id}"


def list_releases(catalog_dir: Path, at: date | datetime | None = None) -> ReleaseListing:
    """Every release in index order and the id of the one in force at ``at`` (default: now).
    A date or a date-time without an offset is read in the catalog's timezone, as
    ``release --effective`` reads it."""
    from pricebook.releases.timeline import release_at

    entries = read_index(Path(catalog_dir))
    naive = at is not None and (not isinstance(at, datetime) or at.tzinfo is None)
    when = as_utc(at, catalog_timezone(Path(catalog_dir))) if at is not None and naive else (
        as_utc(at) if at is not None else now_utc())
    current = release_at(entries, when)
    return ReleaseListing(entries, current.id if current else None, when)


def catalog_timezone(catalog_dir: Path) -> str:
    """The catalog's ``timezone`` (to read a wall time the way the catalog means it). Raises
    GuardError when the catalog does not load: the time would be guesswork."""
    from pricebook.load import load_catalog

    result = load_catalog(catalog_dir)
    if result.catalog is None:
        raise GuardError(f"cannot read the catalog's timezone: {catalog_dir} has errors "
                         "(run pricebook validate); or give the time with an offset, "
                         "e.g. 2026-11-01T00:00:00Z")
    return result.catalog.timezone
