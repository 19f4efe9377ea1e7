"""A per-file cache of parse + schema results, so an unchanged large catalog is not parsed again.

Parsing is the cost of ``validate`` on a large catalog (PyYAML builds a node with two marks for
every scalar). The result of parsing and schema-checking one file depends only on its display path,
its bytes and the loader's code, so it is cached under a key made of exactly those. Only files of at
least ``MIN_BYTES`` are cached (small ones parse faster than the cache is read).

Where: ``$PRICEBOOK_CACHE_DIR``, else ``$XDG_CACHE_HOME/pricebook``, else ``~/.cache/pricebook``.
``PRICEBOOK_CACHE_DIR=off`` turns it off. The cache is the user's own (like black's); an unreadable,
stale or corrupt entry is ignored and recomputed, and a cache that cannot be written is skipped.

Size: every save of a large file adds an entry, so the folder is pruned to
``$PRICEBOOK_CACHE_MAX_MB`` (default 256) after a write, at most once a minute: the entries used
least recently go first (a hit touches its entry).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pricebook.diagnostics import Diagnostic
from pricebook.load.yamlsrc import ParsedYaml

if TYPE_CHECKING:
    from pricebook.load.catalog import SourceFile

MIN_BYTES = 32 * 1024
FORMAT = b"pricebook-parse-cache-1"


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    configured = os.environ.get("PRICEBOOK_CACHE_DIR")
    if configured is not None:
        return None if configured.strip().lower() in ("", "0", "off", "false", "no") else Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    try:
        base = Path(xdg) if xdg else Path.home() / ".cache"
    except (RuntimeError, KeyError):  # no home directory: run without a cache
        return None
    return base / "pricebook"


@lru_cache(maxsize=1)
def _salt() -> bytes:
    """Changes whenever the code or schema that produce a cached result changes."""
    from pricebook import __version__
    from pricebook.load import schema, yamlsrc

    h = hashlib.sha256(FORMAT + __version__.encode())
    for mod in (yamlsrc, schema):
        h.update(Path(mod.__file__ or "").read_bytes())
    h.update(schema.schema_text().encode())
    # the C reader, when it reads: its build (a rebuilt reader must not reuse what the old one read)
    if yamlsrc._fast_parser() is not None:
        import pricebook.load._cyaml as cyaml

        st = Path(cyaml.__file__ or "").stat()
        h.update(f"cyaml\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.digest()


def _entry(data: bytes, file: str) -> tuple[Path, Path] | None:
    """(folder, entry path) of a file's parse result, or None when not cached (off, or small)."""
    folder = cache_dir() if len(data) >= MIN_BYTES else None
    if folder is None:
        return None
    key = hashlib.sha256(_salt() + file.encode("utf-8", "surrogateescape") + b"\0" + data).hexdigest()
    return folder, folder / key[:2] / key


def cached_result(data: bytes, file: str) -> tuple[ParsedYaml, list[Diagnostic]] | None:
    """The cached ``compute_and_store`` result of a file, or None (not cached, off, damaged)."""
    where = _entry(data, file)
    if where is None:
        return None
    entry = where[1]
    try:
        cached: Any = pickle.loads(entry.read_bytes())
        if isinstance(cached, tuple) and len(cached) == 2 and isinstance(cached[0], ParsedYaml):
            _touch(entry)
            return cached[0], list(cached[1])
    except Exception:  # missing, unreadable or damaged: recomputed by the caller
        pass
    return None


def compute_and_store(data: bytes, file: str) -> tuple[ParsedYaml, list[Diagnostic]]:
    """``parse_yaml`` then ``schema_findings`` for one file, and cache the result (for a file the
    cache did not have)."""
    result = _compute(data, file)
    store(data, file, result)
    return result


def store(data: bytes, file: str, result: tuple[ParsedYaml, list[Diagnostic]]) -> None:
    """Keep ``result``, the parse and schema findings of a file's ``data``, in the parse cache."""
    where = _entry(data, file)
    if where is not None:
        _write(where[0], where[1], pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


def _touch(entry: Path) -> None:
    """Mark an entry as used now (pruning drops the least recently used first)."""
    with contextlib.suppress(OSError):
        os.utime(entry)


def _write(folder: Path, entry: Path, blob: bytes) -> None:
    """Write one entry (a cache that cannot be written is skipped), then prune if due."""
    try:
        from pricebook.fsutil import write_atomic

        write_atomic(entry, blob, durable=False)
    except OSError:
        return
    prune(folder)


PRUNE_EVERY_SECONDS = 60.0
DEFAULT_MAX_MB = 256


def max_bytes() -> int:
    """The size the cache folder is pruned to: ``$PRICEBOOK_CACHE_MAX_MB`` megabytes."""
    raw = os.environ.get("PRICEBOOK_CACHE_MAX_MB", "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_MAX_MB  # no-float-ok: a size setting
    except ValueError:
        mb = DEFAULT_MAX_MB
    return max(int(mb * 1024 * 1024), 0)


def prune(folder: Path, force: bool = False) -> int:
    """Delete the least recently used entries until the folder holds at most ``max_bytes()``.
    Runs at most once every ``PRUNE_EVERY_SECONDS`` (a stamp file in the folder) unless ``force``.
    Returns the number of entries deleted. Never raises: an entry another process removed first,
    or one that cannot be deleted, is skipped."""
    import time

    stamp = folder / ".pruned"
    now = time.time()
    try:
        if not force and now - stamp.stat().st_mtime < PRUNE_EVERY_SECONDS:
            return 0
    except OSError:
        pass
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:
        return 0
    entries: list[tuple[float, int, str]] = []
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            if name.startswith("."):
                continue  # the stamp, and temporary files of a write in progress
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            entries.append((st.st_mtime, st.st_size, path))
    total, limit, deleted = sum(e[1] for e in entries), max_bytes(), 0
    for _mtime, size, path in sorted(entries):
        if total <= limit:
            break
        try:
            os.remove(path)
        except OSError:
            continue
        total -= size
        deleted += 1
    return deleted


def _compute(data: bytes, file: str) -> tuple[ParsedYaml, list[Diagnostic]]:
    from pricebook.load.schema import schema_findings
    from pricebook.load.yamlsrc import parse_yaml

    parsed = parse_yaml(data, file)
    if not parsed.ok or parsed.data is None:
        return parsed, []
    return parsed, schema_findings(parsed.data, file, parsed.positions)


RESULT_FORMAT = b"pricebook-result-cache-2"
# Below this many bytes a catalog is checked in a fraction of a second from the parse cache, and
# a second cache entry per catalog would not pay for itself.
RESULT_MIN_BYTES = 256 * 1024


@lru_cache(maxsize=1)
def _code_salt() -> bytes:
    """Changes whenever any of pricebook's code or schemas changes: a cached validation result
    depends on the loader, the model and every rule (and whatever they import). Each module is
    named by its path, size and modification time (reading all of them cost 20 ms a run); an
    install or an edit changes at least one of those."""
    import pricebook
    from pricebook.load.yamlsrc import _fast_parser

    h = hashlib.sha256(RESULT_FORMAT + pricebook.__version__.encode())
    # which reader reads (PRICEBOOK_PURE_YAML): what it leaves to the other differs in its findings
    h.update(b"reader:c" if _fast_parser() is not None else b"reader:python")
    package = Path(pricebook.__file__ or "").parent
    code = sorted(p for p in package.rglob("*") if p.suffix in (".py", ".so"))  # one walk of the tree
    for p in [*code, package / "schemas" / "catalog.schema.json"]:
        try:
            st = p.stat()
        except OSError:
            continue
        h.update(f"{p.relative_to(package)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.digest()


class ResultEntry:
    """The cache slot of one catalog's whole validation result. A slot is named by the catalog's
    file names (so an edited catalog replaces its own entry instead of adding one) and holds the
    digest of every file's name and bytes; a read returns the value only when that digest matches."""

    def __init__(self, path: Path, digest: bytes, file_digests: dict[str, bytes] | None = None) -> None:
        self.path, self.digest = path, digest
        self.file_digests = file_digests or {}  # display path -> SHA-256 of the file's bytes

    def read(self) -> Any:
        """The cached value, or None (missing, stale, corrupt or unreadable)."""
        value, current = self.read_any()
        return value if current else None

    def read_any(self) -> tuple[Any, bool]:
        """The value in the slot and whether it is current (its digest matches). A stale value is
        the result of an earlier version of the catalog: ``validate`` reuses what of it the edit
        did not touch. (None, False) when the slot is missing, corrupt or unreadable."""
        try:
            raw = memoryview(self.path.read_bytes())
            value = pickle.loads(raw[len(self.digest):])
        except Exception:
            return None, False
        current = raw[: len(self.digest)] == self.digest
        if current:
            _touch(self.path)
        return value, current

    def write(self, value: Any) -> None:
        """Store ``value``; a cache that cannot be written is skipped."""
        try:
            blob = self.digest + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except pickle.PicklingError:
            return
        _write(self.path.parent.parent, self.path, blob)


def file_digests(files: Sequence[SourceFile]) -> dict[str, bytes]:
    """Each file's display path -> the SHA-256 of its bytes."""
    return {f.path: hashlib.sha256(f.data).digest() for f in files}


def result_entry(files: Sequence[SourceFile]) -> ResultEntry | None:
    """The result-cache slot for a catalog made of ``files``, or None when caching is off or the
    catalog is small (``RESULT_MIN_BYTES``). The slot keeps every file's digest
    (``ResultEntry.file_digests``) for the incremental check and the kept plans."""
    if sum(len(f.data) for f in files) < RESULT_MIN_BYTES:
        return None
    folder = cache_dir()
    if folder is None:
        return None
    digests = file_digests(files)
    names = hashlib.sha256()
    content = hashlib.sha256(_code_salt())
    for f in files:
        name = f.path.encode("utf-8", "surrogateescape")
        names.update(name + b"\0")
        content.update(len(name).to_bytes(8, "big") + name + digests[f.path])
    return ResultEntry(folder / "results" / names.hexdigest(), content.digest(), digests)


# --- built plans ---------------------------------------------------------------------------------
# Building the plans of a 40,000-price catalog costs about a fifth of a second, on every run that
# changed a file. A plan built from the same data is the same plan, so the plans of each large file
# are kept once built and read back (in about half that time) while nothing they are built from
# has changed: the file's bytes, the bytes of the files defining the plans they extend, the
# catalog's default currency and pricebook's code. The entries are named by that key (content
# addressed), so two catalogs or two git revisions that share a file share its entry.

PLANS_FORMAT = b"pricebook-plans-1"


def plans_key(currency: object, digests: Sequence[bytes]) -> bytes:
    """The key of one file's built plans: see above. ``digests`` are the SHA-256 of the file's
    bytes and of its plans' ancestors' files, in any order."""
    h = hashlib.sha256(PLANS_FORMAT + _code_salt() + repr(currency).encode() + b"\0")
    for d in sorted(set(digests)):
        h.update(d)
    return h.digest()


def _plans_path(folder: Path, key: bytes) -> Path:
    name = key.hex()
    return folder / "plans" / name[:2] / name


def read_plans(key: bytes) -> dict[str, Any] | None:
    """The plans kept under ``key`` (plan id -> Plan), or None (missing, damaged, caching off)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = _plans_path(folder, key)
    try:
        value: Any = pickle.loads(path.read_bytes())
    except Exception:
        return None
    if not isinstance(value, dict):
        return None
    _touch(path)
    return value


def write_plans(key: bytes, plans: dict[str, Any]) -> None:
    """Keep one file's built plans under ``key`` (skipped when caching is off or fails)."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        blob = pickle.dumps(plans, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    _write(folder, _plans_path(folder, key), blob)
