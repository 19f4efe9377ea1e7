"""Catalogs at any revision: a path, a git ref, ``REF:path`` or ``release:<id>`` (SPEC §4).

A git ref may be ``A...B``: the merge base of A and B (either defaults to HEAD), as ``git diff
A...B`` compares from, so ``main...`` is where the current branch left main, whatever main did since.

Reading a git revision never touches the working tree: the files come from git's object store.
A revision that cannot be read raises (exit 2); it never turns into an empty catalog, because a
comparison that could not run must never report "no changes". The one exception is the caller's
to make: a commit that exists but has no catalog at the path raises ``CatalogAbsent``, and
``diff.compare`` reads such a BASE as an empty catalog when HEAD has the catalog at that same path
(the pull request that adds the catalog); every other caller reports it as any ``GitError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pricebook.errors import GitError, InputError
from pricebook.load.catalog import (
    SKIP_DIRS,
    LoadResult,
    SourceFile,
    discover,
    is_source,
    load_data,
    load_sources,
)

RELEASE_PREFIX = "release:"
WORKTREE = "WORKTREE"
MERGE_BASE = "..."  # git refs cannot hold "..", so A...B is never a ref name


@dataclass(frozen=True)
class Revision:
    """What a revision spec named. ``kind`` is ``path``, ``git`` or ``release``."""

    spec: str
    kind: str
    label: str  # what reports show: the path, ``main@1a2b3c4d``, ``main@1a2b3c4d (merge base with
    # HEAD)`` or ``release:2026.11.01``
    ref: str | None = None
    sha: str | None = None
    path: str | None = None  # catalog path (relative to the repo root for git revisions)
    release_id: str | None = None


class CatalogAbsent(GitError):
    """A commit that exists has no catalog at the path: the path is not in its tree, or holds no
    catalog source files. ``revision`` is what was asked for (its ``sha`` and ``path`` are set)."""

    def __init__(self, message: str, revision: Revision) -> None:
        super().__init__(message)
        self.revision = revision


def release_snapshot_path(catalog_dir: Path, release_id: str) -> Path:
    return catalog_dir / "releases" / f"{release_id}.json"


def load_release(catalog_dir: Path, release_id: str) -> LoadResult:
    """The catalog frozen in ``releases/<id>.json`` under ``catalog_dir``."""
    p = release_snapshot_path(catalog_dir, release_id)
    if not p.is_file():
        raise InputError(f"release '{release_id}' not found: no {p}")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: release snapshot is unreadable: {exc}") from exc
    from pricebook.releases.index import verify_snapshot

    verify_snapshot(catalog_dir, release_id, raw)  # a modified release never prices anything
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{p}: release snapshot is unreadable: {exc}") from exc
    if not isinstance(data, dict):
        raise InputError(f"{p}: release snapshot is not a JSON object")
    result = load_data(data)
    result.files = (str(p),)
    return result


def load_revision(spec: str | None, catalog_dir: Path) -> tuple[Revision, LoadResult]:
    """Load the catalog a revision spec names. ``None`` or ``WORKTREE`` is the working tree.

    ``catalog_dir`` is the catalog folder in the working tree; for a bare git ref the same folder is
    read at that ref. ``REF:path`` names another folder. A spec that exists as a path on disk is a
    path, otherwise it is a git ref; ``A...B`` (``main...``) is the merge base of A and B.
    """
    if spec is None or spec == WORKTREE:
        rev = Revision(spec or WORKTREE, "path", str(catalog_dir), path=str(catalog_dir))
        return rev, _load_dir(catalog_dir)
    if spec.startswith(RELEASE_PREFIX):
        rid = spec[len(RELEASE_PREFIX):]
        return Revision(spec, "release", spec, release_id=rid), load_release(catalog_dir, rid)
    git = _git_spec(spec)
    if git is None:  # a path that exists
        if Path(spec).is_file():
            _check_whole_file(Path(spec))
        return Revision(spec, "path", spec, path=spec), _load_dir(Path(spec))
    return _load_git(spec, git, catalog_dir)


def _git_spec(spec: str) -> tuple[str, str, str] | None:
    """A git revision spec as ``(ref, ":", path)``, or ``(ref, "", "")`` without a path; None for
    ``WORKTREE``, a ``release:<id>`` or a path that exists (which wins over a ref of the same name)."""
    if spec == WORKTREE or spec.startswith(RELEASE_PREFIX):
        return None
    if ":" not in spec and Path(spec).exists():
        return None
    return spec.partition(":")


def merge_base_pair(ref: str) -> tuple[str, str] | None:
    """``A...B`` as ``(A, B)``, an omitted side as ``HEAD``; None for a ref without ``...``."""
    if MERGE_BASE not in ref:
        return None
    a, _, b = ref.partition(MERGE_BASE)
    return a or "HEAD", b or "HEAD"


def implied_head(spec: str) -> str | None:
    """The HEAD that ``git diff A...B`` compares with, for a BASE given as ``A...B`` (or
    ``A...B:path``): ``B`` (``B:path``). None when B is omitted (``main...``): the working tree."""
    git = _git_spec(spec)
    if git is None:
        return None
    ref, sep, sub = git
    head = ref.partition(MERGE_BASE)[2]
    if not head:  # no "..." or nothing after it
        return None
    return f"{head}{sep}{sub}"


def against_merge_base(spec: str) -> str:
    """A git ref spec (``origin/main``, ``origin/main:catalogs/acme``) as its merge base with HEAD
    (``origin/main...``: B omitted, so the other side stays the working tree); a path, a
    ``release:<id>`` or a spec that already has ``...`` as is."""
    git = _git_spec(spec)
    if git is None or MERGE_BASE in spec or not git[0]:
        return spec
    ref, sep, sub = git
    return f"{ref}{MERGE_BASE}{sep}{sub}"


def pull_request_base(environ: Mapping[str, str] | None = None) -> str | None:
    """``origin/<branch>`` for a GitHub Actions job run for a pull request into ``branch``
    (``GITHUB_BASE_REF``, which GitHub sets only on ``pull_request`` and ``pull_request_target``
    events), else None. Only inside Actions (``GITHUB_ACTIONS=true``): a variable left over in a
    shell does not override pricebook.yaml on a laptop."""
    import os

    env = os.environ if environ is None else environ
    if env.get("GITHUB_ACTIONS") != "true":
        return None
    branch = env.get("GITHUB_BASE_REF", "").strip()
    return f"origin/{branch}" if branch else None


def derived_base(settings: Any, environ: Mapping[str, str] | None = None) -> str | None:
    """The base a command compares with when not given one (``diff``, ``ci``), at its merge base
    with HEAD: the pull request's base branch in GitHub Actions (``origin/$GITHUB_BASE_REF``), else
    pricebook.yaml's ``base``; None when there is neither (each command then has its own default).

    The pull request wins over pricebook.yaml: ``init`` writes ``base: origin/main``, and a pull
    request into ``develop`` is reviewed against develop. An explicit BASE (``--base``, ``diff``'s
    argument) wins over both; callers check it first.
    """
    pr = pull_request_base(environ)
    if pr:
        return against_merge_base(pr)
    configured = settings.get("base") if settings is not None else None
    return against_merge_base(str(configured)) if configured else None


def _check_whole_file(file: Path) -> None:
    """A file given as a catalog must be one: a file of a catalog folder (``catalogs/acme/catalog.yaml``,
    whose plans are in ``plans/*.yaml``) would compare as a catalog that lost everything else."""
    folder = catalog_folder_of(file)
    if folder is not None:
        raise InputError(f"'{file}' is one file of the catalog folder '{folder}': give the folder")


def catalog_folder_of(file: Path) -> Path | None:
    """The catalog folder ``file`` is one file of, or None when it is a catalog by itself.

    A file with its own ``catalog:`` block belongs to its folder when a YAML file beside or below it
    has none (``catalogs/acme/catalog.yaml`` and ``plans/pro.yaml``). A file without one belongs to
    the nearest folder above it, at most ``WHOLE_FILE_LEVELS`` up, that holds a file with one
    (``plans/pro.yaml`` -> ``catalogs/acme``). Only catalog source files count (``is_source``), and at
    most ``WHOLE_FILE_SCAN`` files are read per folder.
    """
    try:
        has_block = bool(_CATALOG_BLOCK.search(file.read_bytes()))
    except OSError:
        return None
    if has_block:
        return file.parent if _any_yaml(file.parent, file, want_block=False) else None
    for folder in list(file.parents)[:WHOLE_FILE_LEVELS]:
        if _any_yaml(folder, file, want_block=True):
            return folder
    return None


def _any_yaml(folder: Path, skip: Path, want_block: bool) -> bool:
    """Whether a YAML file under ``folder`` (other than ``skip``) has (``want_block``) or lacks a
    top-level ``catalog:`` block."""
    import os

    seen = 0
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(names):
            other = Path(root) / name
            if other == skip or not is_source(other.relative_to(folder).as_posix()):
                continue
            seen += 1
            if seen > WHOLE_FILE_SCAN:
                return False
            try:
                if bool(_CATALOG_BLOCK.search(other.read_bytes())) == want_block:
                    return True
            except OSError:
                continue
    return False


_CATALOG_BLOCK = re.compile(rb"^catalog\s*:", re.MULTILINE)
WHOLE_FILE_LEVELS = 3
WHOLE_FILE_SCAN = 200


def _load_dir(path: Path) -> LoadResult:
    from pricebook.load.catalog import load_catalog

    return load_catalog(path)


def _load_git(spec: str, git: tuple[str, str, str], catalog_dir: Path) -> tuple[Revision, LoadResult]:
    from pricebook.gitrepo import GitRepo

    repo = GitRepo.discover(catalog_dir if catalog_dir.exists() else Path.cwd())
    ref, sep, sub = git
    if sep and not ref:
        raise InputError(f"revision '{spec}' has no ref before ':'")
    subpath = sub if sep else repo.relpath(catalog_dir)
    pair = merge_base_pair(ref)
    if pair is None:
        sha = repo.resolve(ref)
        name, label, where = ref, f"{ref}@{sha[:8]}", f"{ref} ({sha[:8]})"
    else:
        sha = repo.merge_base(*pair)
        # files are named by commit: the merge base is no branch's tip
        name, label = sha[:8], f"{pair[0]}@{sha[:8]} (merge base with {pair[1]})"
        where = label
    shown = subpath or "."
    rev = Revision(spec, "git", label, ref=ref, sha=sha, path=subpath)
    try:
        files = repo.read_files(sha, subpath)
    except GitError:
        if repo.read_file(sha, subpath) is not None:  # there, but unreadable: not an absent catalog
            raise
        raise CatalogAbsent(f"'{shown}' does not exist at {where}", rev) from None
    sources = []
    for rel, data in files:
        if not is_source(rel):  # the files the working tree's loader reads, no other
            continue
        sources.append(SourceFile(f"{name}:{(Path(shown) / rel).as_posix() if shown != '.' else rel}", data))
    if not sources:
        raise CatalogAbsent(f"no catalog files under '{shown}' at {where}", rev)
    return rev, load_sources(sources)


def worktree_sources(catalog_dir: Path) -> list[SourceFile]:
    return discover(catalog_dir)
