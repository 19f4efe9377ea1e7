"""Scripted rollback (SPEC §3): make the catalog source equal to an earlier release again and cut a new
release from it, recorded as ``rollback_of`` the release it replaces. History is only appended to.

How the source is rebuilt (the goal: the catalog loaded from the folder equals the target snapshot):

1. From git, when the target's ``source_commit`` is in the repository: the catalog files at that
   commit, or, when those do not reproduce the snapshot (the release was cut from uncommitted
   edits), at the first later commit on HEAD's history touching the catalog that does (at most 50
   are tried). Files that differ are rewritten with those bytes, so comments and layout come back.
2. Otherwise (no git, a shallow clone without that commit, no commit reproduces it) the snapshot
   itself is written back into today's files, editing only what differs (``releases.rebuild``: values
   replaced in place, keeping comments and ``extends``; whole entities where that is not enough);
   the result says so.

Files that exist now but did not exist in the restored source are never deleted: they are emptied to
a comment saying why (an empty YAML file defines nothing). ``releases/`` is never touched except to
append the new release. Before writing, the planned files are loaded and validated in memory and
must equal the target snapshot; after writing, the folder is loaded again and checked the same way.
A failure while writing puts back every file already replaced.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pricebook.errors import GitError, GuardError, InputError, InternalError, UsageError
from pricebook.load import SourceFile
from pricebook.load.catalog import is_source
from pricebook.releases.cut import PreparedRelease, ignored_advice, ignored_sources, listed, prepare_release
from pricebook.releases.index import (
    ReleaseEntry,
    as_utc,
    digest_of,
    format_datetime,
    now_utc,
    ordered,
    read_index,
    snapshot_path,
)
from pricebook.releases.rebuild import defines_nothing, emptied_text, rebuild_from_snapshot

MAX_CANDIDATES = 50


@dataclass(frozen=True)
class PlannedWrite:
    rel: str  # relative to the catalog folder, POSIX
    data: bytes
    action: str  # restored | emptied | written


@dataclass
class RollbackPlan:
    """What a rollback will do; passed to ``confirm`` before anything is written."""

    catalog_dir: Path
    target: ReleaseEntry
    replaced: ReleaseEntry
    method: str  # git | snapshot
    restored_from: str | None  # the commit whose files were restored (method git)
    writes: list[PlannedWrite]
    release: PreparedRelease
    snapshot_why: str | None = None  # method snapshot: why the files could not come from git
    warning: str | None = None  # grandfathering rules the rollback drops

    @property
    def note(self) -> str | None:
        """The note on the plan, before anything is written: what it would do, and why."""
        return self.note_for(written=False)

    def note_for(self, written: bool) -> str | None:
        """The note worded for a plan (``written=False``: "would write") or for a done rollback."""
        parts = []
        if self.snapshot_why:
            verb = "wrote" if written else "would write"
            parts.append(f"{self.snapshot_why}: {verb} the release snapshot back as YAML source")
        if self.warning:
            parts.append(self.warning)
        return "; ".join(parts) or None

    def paths(self) -> list[Path]:
        """Every file the rollback writes (what ``--commit`` commits)."""
        return [Path(f["path"]) for f in self.files()]

    def files(self) -> list[dict[str, str]]:
        """Every file the rollback writes, with its action (the ``files`` of the JSON output)."""
        out = [{"path": str(self.catalog_dir / w.rel), "action": w.action} for w in self.writes]
        (snapshot, _), (index, _) = self.release.writes()
        return out + [{"path": str(snapshot), "action": "release"}, {"path": str(index), "action": "index"}]

    def describe(self) -> list[str]:
        """The plan as lines of text: what replaces what, why (``note``: the snapshot was used,
        grandfathering rules that will no longer apply), and every file that will be written.
        Shown before the prompt, by ``--dry-run``, and when the command refuses for want of --yes."""
        return _describe(self.target.id, self.release.entry, self.replaced.id, self.note, self.files())


def _describe(target: str, entry: ReleaseEntry, replaced: str | None, note: str | None,
              files: list[dict[str, str]]) -> list[str]:
    lines = [f"Roll back to release {target}: release {entry.id} (effective "
             f"{format_datetime(entry.effective_from)}) will replace {replaced}."]
    if note:
        lines.append(f"  note: {note}")
    return lines + [f"  {f['action']:<9} {f['path']}" for f in files]


@dataclass
class RollbackResult:
    status: str  # rolled_back | already_at | dry_run
    target: str
    replaced: str | None
    release: ReleaseEntry | None = None
    method: str | None = None
    restored_from: str | None = None
    files: list[dict[str, str]] = field(default_factory=list)
    commit: str | None = None
    note: str | None = None
    message: str = ""

    def describe(self) -> list[str]:
        """A planned rollback (``dry_run``) as ``RollbackPlan.describe`` words it; else nothing."""
        if self.release is None or self.status != "dry_run":
            return []
        return _describe(self.target, self.release, self.replaced, self.note, self.files)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of ``pricebook rollback --format json`` (see docs/releases.md)."""
        return {
            "status": self.status,
            "written": self.status == "rolled_back",
            "target": self.target,
            "replaced": self.replaced,
            "release": self.release.to_dict() if self.release else None,
            "method": self.method,
            "restored_from": self.restored_from,
            "files": self.files,
            "commit": self.commit,
            "note": self.note,
            "message": self.message,
        }


def _current_files(catalog_dir: Path) -> dict[str, bytes]:
    import os

    from pricebook.load import discover

    return {PurePosixPath(*Path(os.path.relpath(s.path, catalog_dir)).parts).as_posix(): s.data
            for s in discover(catalog_dir)}


def _load_data(catalog_dir: Path, files: dict[str, bytes]) -> tuple[dict[str, Any] | None, Any]:
    from pricebook.load import load_sources
    from pricebook.load.dump import catalog_to_data

    result = load_sources([SourceFile(str(catalog_dir / rel), data) for rel, data in sorted(files.items())])
    return (catalog_to_data(result.catalog) if result.catalog else None), result


def _git_candidates(repo: Any, sha: str, cat_rel: str) -> list[str]:
    later = [c.sha for c in repo.log(paths=[cat_rel or "."], rev=f"{sha}..HEAD", max_count=MAX_CANDIDATES)]
    return [sha, *reversed(later)]


def _from_git(repo: Any, target: ReleaseEntry, catalog_dir: Path, want: dict[str, Any]
              ) -> tuple[str | None, dict[str, bytes] | None, str | None]:
    """(commit, files at that commit, why not) for the first commit whose catalog equals ``want``."""
    if repo is None or not repo.has_commits():
        return None, None, "the catalog is not in a git repository"
    sha = target.source_commit
    if not sha:
        return None, None, f"release {target.id} records no source commit"
    if not repo.commit_exists(sha):
        return None, None, (f"source commit {sha[:12]} of release {target.id} is not in this repository "
                            "(a shallow clone? 'git fetch --unshallow' restores the original files)")
    cat_rel = repo.relpath(catalog_dir)
    for cand in _git_candidates(repo, sha, cat_rel):
        try:
            files = {rel: b for rel, b in repo.read_files(cand, cat_rel) if is_source(rel)}
        except GitError:  # the catalog folder did not exist at that commit: not a candidate
            continue
        data, _ = _load_data(catalog_dir, files)
        if data == want:
            return cand, files, None
    return None, None, (f"no commit from {sha[:12]} to HEAD has catalog files that reproduce release "
                        f"{target.id} (it was cut from uncommitted edits)")


def _default_target(entries: list[ReleaseEntry], current: ReleaseEntry) -> ReleaseEntry:
    """The release before ``current``, not counting releases that a rollback undid: so rolling back
    twice in a row lands on the same release (the second run finds it already in force)."""
    undone = {e.rollback_of for e in entries if e.rollback_of}
    line = [e for e in ordered(entries) if e.id not in undone or e.id == current.id]
    i = next(i for i, e in enumerate(line) if e.id == current.id)
    if i == 0:
        raise GuardError(f"release '{current.id}' is the first release: "
                         "there is nothing before it to roll back to")
    return line[i - 1]


def _git_guard(catalog_dir: Path, commit: bool) -> Any:
    from pricebook.gitrepo import GitRepo
    from pricebook.settings import find_settings_file

    repo = GitRepo.maybe(catalog_dir)
    if repo is None or not repo.has_commits():
        if commit:
            raise UsageError("--commit needs the catalog to be inside a git repository with commits")
        return repo
    paths = [repo.relpath(catalog_dir) or "."]
    settings = find_settings_file(catalog_dir)
    if settings is not None:
        with contextlib.suppress(GitError):  # a settings file outside the repository is not ours to check
            paths.append(repo.relpath(settings))
    dirty = repo.dirty_files(paths)
    # a catalog file git ignores is read like any other, but git could not give it back if the
    # rollback emptied or rewrote it: it is uncommitted work too
    ignored = ignored_sources(repo, catalog_dir)
    also = f"; and {ignored_advice(repo, ignored)}" if ignored else ""
    if dirty:
        raise GuardError(f"the working tree has uncommitted changes: {listed(dirty, 10)}; commit or stash "
                         f"them first (rollback only runs on a clean catalog){also}")
    if ignored:
        raise GuardError(f"the catalog has uncommitted work: {ignored_advice(repo, ignored)}, then roll back "
                         "(rollback only runs on a clean catalog; nothing was written)")
    return repo


def plan_rollback(catalog_dir: Path, to: str | None = None, effective: date | datetime | None = None,
                  notes: str | None = None, commit: bool = False) -> RollbackPlan | RollbackResult:
    """Check everything and compute the files to write; a ``RollbackResult`` means nothing to do."""
    catalog_dir = Path(catalog_dir)
    entries = read_index(catalog_dir)
    if not entries:
        raise GuardError(f"no releases in {catalog_dir}/releases: there is nothing to roll back")
    newest = ordered(entries)[-1]
    by_id = {e.id: e for e in entries}
    if to is not None and to not in by_id:
        raise UsageError(f"release '{to}' does not exist (releases: {', '.join(by_id)})")
    target = by_id[to] if to else None
    # the target snapshot gives the timezone in which a naive --effective is read
    when = now_utc()
    current = newest
    if target is None:
        target = _default_target(entries, current)
    snap = snapshot_path(catalog_dir, target.id)
    try:
        raw = snap.read_bytes()
    except OSError as exc:
        raise InputError(f"release '{target.id}': cannot read {snap}: {exc.strerror}") from exc
    if digest_of(raw) != target.digest:
        raise GuardError(f"release '{target.id}': {snap} does not match its digest in releases/index.yaml "
                         "(modified after the release was cut); refusing to roll back to it; "
                         f"restore it from git: git checkout -- {snap}")
    want = json.loads(raw.decode("utf-8"))
    tz = str((want.get("catalog") or {}).get("timezone") or "UTC")
    if effective is not None:
        when = as_utc(effective, tz).replace(microsecond=0)
    if when < newest.effective_from:
        raise GuardError(f"release '{newest.id}' takes effect at {format_datetime(newest.effective_from)}, "
                         f"after {format_datetime(when)}; pass --effective on or after it "
                         "(releases only move forward)")
    if current.digest == target.digest:
        same = f" (release {current.id} in force has the same content)" if current.id != target.id else ""
        return RollbackResult("already_at", target.id, current.id,
                              message=f"already at {target.id}{same}; nothing written")
    repo = _git_guard(catalog_dir, commit)
    now_files = _current_files(catalog_dir)
    restored_from, then_files, why = _from_git(repo, target, catalog_dir, want)
    writes: list[PlannedWrite] = []
    if then_files is not None:
        method = "git"
        for rel, data in sorted(then_files.items()):
            if now_files.get(rel) != data:
                writes.append(PlannedWrite(rel, data, "restored"))
        for rel, data in sorted(now_files.items()):
            if rel not in then_files and not defines_nothing(data):
                why_empty = f"it did not exist at {(restored_from or '')[:12]}"
                writes.append(PlannedWrite(rel, emptied_text(target.id, why_empty), "emptied"))
    else:
        method = "snapshot"
        for rel, data in sorted(rebuild_from_snapshot(catalog_dir, now_files, want, target.id).items()):
            writes.append(PlannedWrite(rel, data, "emptied" if data.startswith(b"# Emptied") else "written"))
    now_data, _ = _load_data(catalog_dir, now_files)
    had = set((now_data or {}).get("grandfathering") or {})
    dropped = sorted(had - set(want.get("grandfathering") or {}))
    warn = None
    if dropped:
        warn = (f"grandfathering rule{'s' if len(dropped) > 1 else ''} {', '.join(dropped)} "
                f"{'are' if len(dropped) > 1 else 'is'} not part of release {target.id} "
                "and will no longer apply; "
                f"add {'them' if len(dropped) > 1 else 'it'} again with 'pricebook grandfather add' if those "
                "customers must keep their prices")
    planned = dict(now_files)
    planned.update({w.rel: w.data for w in writes})
    got, _ = _load_data(catalog_dir, planned)
    if got != want:
        raise GuardError(f"cannot rebuild release {target.id} as catalog source ({method}); "
                         "nothing was written")
    sources = [SourceFile(str(catalog_dir / rel), data) for rel, data in sorted(planned.items())]
    default_notes = f"rollback to {target.id} (replaces {current.id})"
    release = prepare_release(catalog_dir, None, when, notes or default_notes,
                              rollback_of=current.id, sources=sources,
                              source_commit=restored_from if method == "git" else None)
    return RollbackPlan(catalog_dir, target, current, method, restored_from, writes, release,
                        why if method == "snapshot" else None, warn)


def _restore(old: dict[Path, bytes | None]) -> None:
    """Put back every file a failed write already replaced (a file we created is removed again)."""
    from pricebook.fsutil import write_atomic

    for path, data in old.items():
        now = path.read_bytes() if path.exists() else None
        if now == data:
            continue
        if data is None:
            path.unlink()
        else:
            write_atomic(path, data)


def rollback(catalog_dir: Path, to: str | None = None, effective: date | datetime | None = None,
             commit: bool = False, notes: str | None = None,
             confirm: Callable[[RollbackPlan], bool] | None = None, dry_run: bool = False) -> RollbackResult:
    """Roll the catalog back to release ``to`` (default: the release before the one in force).

    Refuses (``GuardError``, exit 1) on uncommitted changes in the catalog folder or pricebook.yaml
    (a catalog file git ignores counts: git could not give it back),
    when the rebuilt catalog does not validate, or when ``confirm(plan)`` returns False. Returns
    status ``already_at`` and writes nothing when the release in force already has the target's
    content. Otherwise writes the source files, the new snapshot and the index (in that order,
    atomically per file, all put back on failure), and with ``commit=True`` makes one commit of
    exactly those files. Never resets, rebases, deletes or pushes.

    ``dry_run`` runs every check and plans every file, then returns status ``dry_run`` (the files
    and the release it would write) without asking ``confirm`` or writing anything.
    """
    from pricebook.fsutil import write_all_atomic

    planned = plan_rollback(catalog_dir, to, effective, notes, commit)
    if isinstance(planned, RollbackResult):
        return planned
    plan = planned
    if dry_run:
        entry = plan.release.entry
        return RollbackResult("dry_run", plan.target.id, plan.replaced.id, entry, plan.method,
                              plan.restored_from, plan.files(), None, plan.note,
                              f"dry run: rolling back to {plan.target.id} would cut release {entry.id} "
                              f"replacing {plan.replaced.id}; nothing was written")
    if confirm is not None and not confirm(plan):
        raise GuardError("rollback not confirmed; nothing was written")
    writes: list[tuple[Path, bytes | str]] = [(plan.catalog_dir / w.rel, w.data) for w in plan.writes]
    writes += list(plan.release.writes())
    old = {Path(p): (Path(p).read_bytes() if Path(p).exists() else None) for p, _ in writes}
    try:
        write_all_atomic(writes)
        got, _ = _load_data(plan.catalog_dir, _current_files(plan.catalog_dir))
        want = json.loads(plan.release.snapshot_text)
        if got != want:
            raise InternalError(f"after writing, the catalog does not equal release {plan.target.id}; "
                                "every file was put back")
    except BaseException:
        _restore(old)
        raise
    entry = plan.release.entry
    sha = None
    if commit:
        from pricebook.gitrepo import GitRepo

        repo = GitRepo.discover(plan.catalog_dir)
        how = (f"Source files restored from commit {plan.restored_from[:12]}." if plan.method == "git" and
               plan.restored_from else "Source files written from the release snapshot.")
        msg = (f"pricebook rollback: back to release {plan.target.id}\n\n"
               f"Release {entry.id} (effective {format_datetime(entry.effective_from)}) replaces release "
               f"{plan.replaced.id} with the content of release {plan.target.id}.\n{how}\n")
        sha = repo.commit([repo.relpath(p) for p in plan.paths()], msg, only=True)
    return RollbackResult("rolled_back", plan.target.id, plan.replaced.id, entry, plan.method,
                          plan.restored_from, plan.files(), sha, plan.note_for(written=True),
                          f"rolled back to {plan.target.id}: release {entry.id} replaces {plan.replaced.id}")
