"""The release index, ``<catalog>/releases/index.yaml``: one entry per release, append-only.

The index is written by pricebook, never by hand, in a fixed shape (every scalar quoted, so an id such
as ``2026.11`` never turns into a number)::

    # pricebook release index: written by `pricebook release`; do not edit.
    releases:
      - id: "2026.11.01"
        effective_from: "2026-11-01T00:00:00Z"
        source_commit: "1a2b3c..."          # HEAD when the release was cut, or null
        digest: "sha256:9f86d0..."          # sha256 of the bytes of releases/2026.11.01.json
        notes: "Raise Pro seats to 12"
        rollback_of: "2026.10.01"           # only on releases cut by `pricebook rollback`
        created_at: "2026-10-28T09:12:44Z"
        seal: "sha256:3c1f0e..."            # sha256 of id, effective_from and digest (see ``seal_of``)

Reading keeps the line of every entry, so integrity findings point at it.

The snapshot's digest covers the prices, not the date they take effect; the ``seal`` binds the two,
so an ``effective_from`` (or ``digest``) edited after the release was cut is caught (PB201) even
when the snapshot is untouched. Entries written before seals existed have none; for them
``validate`` compares with the index committed at HEAD. Entries must also stay in effective-date
order (releases only move forward), which catches most edits of an unsealed entry (PB204).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pricebook.errors import InputError

RELEASES_DIR = "releases"
INDEX_NAME = "index.yaml"
ID_PATTERN = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
INDEX_HEADER = "# pricebook release index: written by `pricebook release`; do not edit.\n"
ENTRY_FIELDS = ("id", "effective_from", "source_commit", "digest", "notes", "rollback_of", "created_at",
                "source_dirty", "seal")
DIGEST_PATTERN = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class ReleaseEntry:
    """One release as the index records it. ``effective_from`` and ``created_at`` are aware (UTC)."""

    id: str
    effective_from: datetime
    digest: str
    source_commit: str | None = None
    notes: str | None = None
    rollback_of: str | None = None
    created_at: datetime | None = None
    # True when the catalog folder differed from source_commit when the release was cut.
    source_dirty: bool = False
    # seal_of(id, effective_from, digest) when the release was cut; None in entries older than seals
    seal: str | None = None
    line: int | None = field(default=None, compare=False)  # 1-based line of the entry in the index

    def seal_matches(self) -> bool:
        """False when the entry carries a seal that its id, effective_from and digest no longer
        hash to (the entry was edited after the release was cut); True otherwise."""
        return self.seal is None or self.seal == seal_of(self.id, self.effective_from, self.digest)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "effective_from": format_datetime(self.effective_from),
            "source_commit": self.source_commit,
            "digest": self.digest,
            "notes": self.notes,
        }
        if self.rollback_of is not None:
            out["rollback_of"] = self.rollback_of
        out["created_at"] = format_datetime(self.created_at) if self.created_at else None
        if self.source_dirty:
            out["source_dirty"] = True
        if self.seal is not None:
            out["seal"] = self.seal
        return out


@dataclass(frozen=True)
class IndexProblem:
    """Something wrong in the index text: where, which release (if known), and what."""

    line: int
    column: int
    message: str
    release_id: str | None = None


@dataclass
class IndexRead:
    entries: list[ReleaseEntry] = field(default_factory=list)
    problems: list[IndexProblem] = field(default_factory=list)
    exists: bool = False


# --- paths and digests ------------------------------------------------------------------------


def releases_dir(catalog_dir: Path) -> Path:
    return Path(catalog_dir) / RELEASES_DIR


def index_path(catalog_dir: Path) -> Path:
    return releases_dir(catalog_dir) / INDEX_NAME


def snapshot_path(catalog_dir: Path, release_id: str) -> Path:
    return releases_dir(catalog_dir) / f"{release_id}.json"


def digest_of(data: bytes | str) -> str:
    """``sha256:<hex>`` of snapshot bytes (text is encoded as UTF-8)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def seal_of(release_id: str, effective_from: datetime, digest: str) -> str:
    """The seal of an index entry: ``sha256:<hex>`` of its id, effective_from (as the index writes
    it) and snapshot digest. An edit of any of the three no longer matches it."""
    text = f"pricebook release\n{release_id}\n{format_datetime(effective_from)}\n{digest}\n"
    return digest_of(text)


def verify_snapshot(catalog_dir: Path, release_id: str, data: bytes, entry: ReleaseEntry | None = None
                    ) -> None:
    """Refuse (``InputError``, exit 2) snapshot bytes of ``release_id`` that do not hash to the
    digest its index entry records (``entry``, else read from the index): a release must never be
    used for prices once it was modified. A release the index does not list (or an index that cannot
    be read) is left to ``validate``."""
    if entry is None:
        entry = next((e for e in read_index_file(catalog_dir).entries if e.id == release_id), None)
    if entry is not None and digest_of(data) != entry.digest:
        snap = snapshot_path(catalog_dir, release_id)
        raise InputError(f"release '{release_id}': {snap} does not match its digest in releases/index.yaml "
                         f"(modified after the release was cut); restore it from git: git checkout -- {snap}")


def valid_id(release_id: str) -> bool:
    return bool(ID_PATTERN.fullmatch(release_id))


# --- dates ------------------------------------------------------------------------------------


def format_datetime(dt: datetime) -> str:
    return as_utc(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_utc(value: date | datetime, tz: str = "UTC") -> datetime:
    """An aware UTC datetime. A date is midnight in ``tz``; a naive datetime is a wall time in ``tz``."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz) if tz != "UTC" else UTC
    if isinstance(value, datetime):
        dt = value if value.tzinfo is not None else value.replace(tzinfo=zone)
    else:
        dt = datetime(value.year, value.month, value.day, tzinfo=zone)
    return dt.astimezone(UTC)


def parse_datetime(text: str, tz: str = "UTC") -> datetime:
    """``2026-11-01``, ``2026-11-01T09:30``, ``2026-11-01T09:30:00Z`` or with an offset -> aware UTC.

    A value without an offset is a wall time in ``tz`` (the catalog's timezone). Raises ValueError.
    """
    s = text.strip()
    if len(s) == 10:
        return as_utc(date.fromisoformat(s), tz)
    return as_utc(datetime.fromisoformat(s.replace("z", "Z")), tz)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


# --- reading ----------------------------------------------------------------------------------


def parse_index(text: str) -> IndexRead:
    """Parse index text. Never raises: every problem is an ``IndexProblem`` with a line."""
    import yaml

    out = IndexRead(exists=True)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        out.problems.append(IndexProblem(mark.line + 1 if mark else 1, mark.column + 1 if mark else 1,
                                         f"index is not valid YAML: {' '.join(str(exc.problem).split())}"))
        return out
    except yaml.YAMLError as exc:
        out.problems.append(IndexProblem(1, 1, f"index is not valid YAML: {' '.join(str(exc).split())}"))
        return out
    if root is None:
        return out
    if not isinstance(root, yaml.MappingNode):
        out.problems.append(IndexProblem(1, 1, "index must be a mapping with a 'releases' list"))
        return out
    seq = None
    for k, v in root.value:
        if isinstance(k, yaml.ScalarNode) and k.value == "releases":
            seq = v
        else:
            out.problems.append(_problem(k, f"unknown key '{getattr(k, 'value', '?')}' in the index"))
    if seq is None or (isinstance(seq, yaml.ScalarNode) and seq.tag.endswith(":null")):
        return out
    if not isinstance(seq, yaml.SequenceNode):
        out.problems.append(_problem(seq, "'releases' must be a list"))
        return out
    seen: dict[str, int] = {}
    latest: ReleaseEntry | None = None  # the entry above with the latest effective_from
    for item in seq.value:
        entry = _entry(item, out.problems)
        if entry is None:
            continue
        if entry.id in seen:
            out.problems.append(_problem(item, f"release '{entry.id}' is listed twice (first at line "
                                               f"{seen[entry.id]})", entry.id))
            continue
        seen[entry.id] = entry.line or 0
        # releases only move forward (cut and rollback refuse an earlier date), so the index is in
        # effective-date order; an entry out of it had its effective_from edited
        if latest is not None and entry.effective_from < latest.effective_from:
            out.problems.append(_problem(
                item, f"release '{entry.id}' takes effect {format_datetime(entry.effective_from)}, before "
                      f"release '{latest.id}' listed above it ({format_datetime(latest.effective_from)}): "
                      "releases only move forward, so an effective_from was edited; "
                      "restore releases/index.yaml from git", entry.id))
        else:
            latest = entry
        out.entries.append(entry)
    return out


def _problem(node: Any, message: str, release_id: str | None = None) -> IndexProblem:
    m = node.start_mark
    return IndexProblem(m.line + 1, m.column + 1, message, release_id)


def _entry(node: Any, problems: list[IndexProblem]) -> ReleaseEntry | None:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        problems.append(_problem(node, "each release must be a mapping"))
        return None
    raw: dict[str, str | None] = {}
    nodes: dict[str, Any] = {}
    for k, v in node.value:
        key = getattr(k, "value", None)
        if not isinstance(v, yaml.ScalarNode):
            problems.append(_problem(v, f"'{key}' must be a single value"))
            continue
        null = v.tag.endswith(":null") and not v.style
        raw[str(key)] = None if null else v.value
        nodes[str(key)] = v
    rid = raw.get("id")
    if not rid:
        problems.append(_problem(node, "release entry has no 'id'"))
        return None
    if not valid_id(rid):
        problems.append(_problem(nodes["id"], f"release id '{rid}' is not valid (letters, digits, . _ -)",
                                 rid))
        return None
    for key in raw:
        if key not in ENTRY_FIELDS:
            problems.append(_problem(nodes[key], f"release '{rid}': unknown field '{key}'", rid))
    missing = [k for k in ("effective_from", "digest") if not raw.get(k)]
    if missing:
        problems.append(_problem(node, f"release '{rid}' has no '{missing[0]}'", rid))
        return None
    try:
        effective = parse_datetime(str(raw["effective_from"]))
    except ValueError:
        problems.append(_problem(nodes["effective_from"],
                                 f"release '{rid}': effective_from '{raw['effective_from']}' "
                                 "is not a date-time",
                                 rid))
        return None
    created = None
    if raw.get("created_at"):
        try:
            created = parse_datetime(str(raw["created_at"]))
        except ValueError:
            problems.append(_problem(nodes["created_at"], f"release '{rid}': created_at is not a date-time",
                                     rid))
    digest = str(raw["digest"])
    if not DIGEST_PATTERN.fullmatch(digest):
        problems.append(_problem(nodes["digest"], f"release '{rid}': digest must be sha256:<64 hex digits>",
                                 rid))
    seal = raw.get("seal") or None
    if seal is not None and not DIGEST_PATTERN.fullmatch(seal):
        problems.append(_problem(nodes["seal"], f"release '{rid}': seal must be sha256:<64 hex digits>", rid))
    return ReleaseEntry(
        id=rid,
        effective_from=effective,
        digest=digest,
        source_commit=raw.get("source_commit") or None,
        notes=raw.get("notes"),
        rollback_of=raw.get("rollback_of") or None,
        created_at=created,
        source_dirty=(raw.get("source_dirty") or "").lower() == "true",
        seal=seal,
        line=node.start_mark.line + 1,
    )


def read_index_file(catalog_dir: Path) -> IndexRead:
    """The index with its problems; an absent index is an empty, problem-free one."""
    p = index_path(catalog_dir)
    if not p.is_file():
        return IndexRead()
    try:
        text = p.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return IndexRead(problems=[IndexProblem(1, 1, f"index is unreadable: {exc}")], exists=True)
    return parse_index(text)


def read_index(catalog_dir: Path) -> list[ReleaseEntry]:
    """Every release listed in ``<catalog_dir>/releases/index.yaml``, in index order.

    Returns ``[]`` when there is no index. Raises ``InputError`` (exit 2) naming the first problem
    when the index is malformed, out of effective-date order, or holds an entry edited after its
    release was cut (its seal no longer matches): a command must not act on a half-understood or
    rewritten release history.
    """
    read = read_index_file(catalog_dir)
    if read.problems:
        first = read.problems[0]
        more = f" (and {len(read.problems) - 1} more)" if len(read.problems) > 1 else ""
        raise InputError(f"{index_path(catalog_dir)}:{first.line}:{first.column}: {first.message}{more}")
    for e in read.entries:
        if not e.seal_matches():
            raise InputError(f"{index_path(catalog_dir)}:{e.line or 1}:5: {unsealed_message(e)}; "
                             f"restore {index_path(catalog_dir)} from git")
    return read.entries


def unsealed_message(entry: ReleaseEntry) -> str:
    return (f"release '{entry.id}' was modified after it was cut: its index entry (effective_from "
            f"{format_datetime(entry.effective_from)}, digest {entry.digest[:19]}...) no longer matches "
            "the seal recorded when it was cut")


def ordered(entries: list[ReleaseEntry]) -> list[ReleaseEntry]:
    """Releases in the order they take effect: by effective_from, then by position in the index."""
    return [e for _, e in sorted(enumerate(entries), key=lambda ie: (ie[1].effective_from, ie[0]))]


# --- writing ----------------------------------------------------------------------------------


def _q(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=True)


def render_entry(entry: ReleaseEntry) -> str:
    """The index text of one entry (two-space indented list item, every scalar quoted)."""
    lines = [f"  - id: {_q(entry.id)}"]
    for key, value in entry.to_dict().items():
        if key == "id":
            continue
        text = "true" if value is True else _q(value)
        lines.append(f"    {key}: {text}")
    return "\n".join(lines) + "\n"


def render_index(entries: list[ReleaseEntry]) -> str:
    return INDEX_HEADER + "releases:\n" + "".join(render_entry(e) for e in entries)


def keep_newlines(old: str, edit: Callable[[str], str]) -> str:
    """Apply a text edit written for ``\n`` line ends to a file that may use ``\r\n`` throughout,
    keeping its line ends (so unchanged lines stay byte-identical)."""
    crlf = "\r\n" in old and old.count("\r\n") == old.count("\n")
    if not crlf:
        return edit(old)
    return edit(old.replace("\r\n", "\n")).replace("\n", "\r\n")


def appended_index(existing: str | None, entries: list[ReleaseEntry], new: ReleaseEntry) -> str:
    """The index text with ``new`` appended. Existing bytes are kept as they are (append-only), unless
    appending would not parse back to the same entries, in which case the index is rewritten."""
    if existing and entries:
        candidate = keep_newlines(existing,
                                  lambda t: (t if t.endswith("\n") else t + "\n") + render_entry(new))
        check = parse_index(candidate)
        if not check.problems and [e.id for e in check.entries] == [*(e.id for e in entries), new.id]:
            return candidate
    return render_index([*entries, new])
