"""Grandfathering rules: add, list, expire (SPEC §3).

Edits preserve every line they do not change, byte for byte, comments, blank lines, quoting and
indentation included. ruamel.yaml's round-trip loader finds where things are (``.lc`` line and
column of every key and value) and renders the new YAML fragment; the edit itself is a splice of
that fragment into the original text at those positions, because re-dumping the whole document
through ruamel reflows indentation and moves comments. After the splice the file is parsed again and
must hold exactly the old data plus the intended change, and the whole catalog is validated; a
result that fails either check is never written. In a flow-style rule (on one line or several, inside
a flow ``grandfathering: {...}`` or not) ``until`` goes right after the last entry, found with
ruamel.yaml's scanner.

Where a new rule goes: into the catalog file that already holds ``grandfathering:`` (the first one,
in file order), appended after its last rule; else into ``grandfathering.yaml`` in the catalog folder
(created when missing).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pricebook.errors import GuardError, InputError, UsageError
from pricebook.load import SourceFile, discover
from pricebook.model import GrandfatheringRule
from pricebook.releases.index import keep_newlines

NEW_FILE = "grandfathering.yaml"
NEW_FILE_HEADER = "# Grandfathering: customers who keep an earlier release's prices (pricebook grandfather)\n"
_SCALAR_AT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"\\]|\\.)*\"|[^\s#,}\]]+")


@dataclass(frozen=True)
class RuleEdit:
    """What an edit wrote: the file, the rule id, and whether the file is new."""

    file: Path
    rule_id: str
    created_file: bool
    rule: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"file": str(self.file), "rule": self.rule_id, "created_file": self.created_file,
                "values": self.rule}


@dataclass(frozen=True)
class Subscription:
    customer_id: str
    plan: str
    subscribed_at: date | datetime | None


@dataclass(frozen=True)
class RuleSummary:
    id: str
    release: str
    plans: tuple[str, ...]
    customers: tuple[str, ...]
    subscribed_before: date | None
    until: date | None
    active: bool
    release_exists: bool
    location: str | None
    covered: int | None = None  # customers in --subscriptions the rule matches

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "release": self.release, "release_exists": self.release_exists,
            "plans": list(self.plans), "customers": list(self.customers),
            "subscribed_before": self.subscribed_before.isoformat() if self.subscribed_before else None,
            "until": self.until.isoformat() if self.until else None,
            "active": self.active, "covered": self.covered, "location": self.location,
        }


# --- reading inputs -----------------------------------------------------------------------------


def read_customer_ids(path: Path) -> list[str]:
    """Customer ids from a file: one per line (``#`` comments and blank lines skipped), or a CSV whose
    header has a ``customer_id`` column. Duplicates are kept once, in first-seen order."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read customers file {path}: {exc}") from exc
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError(f"{path}: no customer ids")
    ids: list[str] = []
    if "," in lines[0] or lines[0].strip() == "customer_id":
        reader = csv.DictReader(io.StringIO("\n".join(lines)))
        if "customer_id" not in (reader.fieldnames or []):
            cols = ", ".join(reader.fieldnames or [])
            raise InputError(f"{path}:1: CSV has no 'customer_id' column (columns: {cols})")
        for n, row in enumerate(reader, start=2):
            cid = (row.get("customer_id") or "").strip()
            if not cid:
                raise InputError(f"{path}:{n}: empty customer_id")
            ids.append(cid)
    else:
        for ln in lines:
            cid = ln.strip()
            if "," in cid or " " in cid:
                raise InputError(f"{path}: '{cid}' is not a customer id (one id per line)")
            ids.append(cid)
    return list(dict.fromkeys(ids))


def read_subscriptions(path: Path) -> list[Subscription]:
    """Subscriptions CSV: ``customer_id``, ``plan`` and optional ``subscribed_at`` (ISO date/time)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read subscriptions file {path}: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    cols = reader.fieldnames or []
    for need in ("customer_id", "plan"):
        if need not in cols:
            raise InputError(f"{path}:1: subscriptions CSV has no '{need}' column "
                             f"(columns: {', '.join(cols)})")
    out = []
    for n, row in enumerate(reader, start=2):
        cid, plan = (row.get("customer_id") or "").strip(), (row.get("plan") or "").strip()
        if not cid or not plan:
            raise InputError(f"{path}:{n}: customer_id and plan must not be empty")
        raw = (row.get("subscribed_at") or "").strip()
        when: date | datetime | None = None
        if raw:
            try:
                when = date.fromisoformat(raw) if len(raw) == 10 else datetime.fromisoformat(raw)
            except ValueError:
                raise InputError(f"{path}:{n}: subscribed_at '{raw}' is not a date") from None
        out.append(Subscription(cid, plan, when))
    return out


# --- locating and splicing -------------------------------------------------------------------


def _rt_load(text: str, file: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    y = YAML(typ="rt")
    y.preserve_quotes = True
    try:
        return y.load(text)
    except YAMLError as exc:
        raise InputError(f"{file}: cannot parse for editing: {' '.join(str(exc).split())}") from exc


def _fragment(rule_id: str, values: dict[str, Any], indent: int, step: int) -> str:
    """``rule_id:`` and its fields as block YAML, rendered by ruamel, indented by ``indent``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    body = CommentedMap()
    for k, v in values.items():
        if isinstance(v, list):
            seq = CommentedSeq(v)
            if len(v) <= 8:
                seq.fa.set_flow_style()
            body[k] = seq
        else:
            body[k] = v
    doc = CommentedMap()
    doc[rule_id] = body
    y = YAML(typ="rt")
    y.width = 4096
    y.indent(mapping=step, sequence=step + 2, offset=step)
    buf = io.StringIO()
    y.dump(doc, buf)
    return "".join(" " * indent + ln + "\n" for ln in buf.getvalue().splitlines())


def _flow_entry(rule_id: str, values: dict[str, Any]) -> str:
    """``rule_id: {plans: [pro], ..., until: 2027-01-01}``: the rule as one line of flow YAML, for a
    refusal to quote. Errors print as one line, so a block fragment would reach the user flattened
    into ``id: plans: [pro] release: ...`` (not YAML); one flow line survives that, and pastes under a
    block ``grandfathering:`` and inside a flow ``{...}`` alike."""
    from pricebook.diagnostics import yaml_text

    return f"{yaml_text(rule_id)}: {yaml_text(values)}"


def _top_key_lines(doc: Any) -> list[int]:
    return sorted(doc.lc.key(k)[0] for k in doc)


def _last_content_line(lines: list[str], start: int, stop: int, allow_indented_comments: bool) -> int:
    """The last line in ``(start, stop)`` with content, skipping blank lines and comments at column 0
    (those introduce what follows); with ``allow_indented_comments=False`` every comment is skipped."""
    for i in range(stop - 1, start, -1):
        s = lines[i]
        if not s.strip():
            continue
        if s.lstrip().startswith("#") and (not allow_indented_comments or not s[:1].isspace()):
            continue
        return i
    return start


def _ensure_nl(lines: list[str]) -> None:
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"


def _splice_add(text: str, file: Path, rule_id: str, values: dict[str, Any]) -> str:
    from ruamel.yaml.comments import CommentedMap

    lines = text.splitlines(keepends=True)
    _ensure_nl(lines)
    doc = _rt_load(text, file) if text.strip() else None
    if doc is not None and not isinstance(doc, CommentedMap):
        raise InputError(f"{file}: a catalog file must be a mapping")
    if doc is None or "grandfathering" not in doc:
        sep = "\n" if lines and lines[-1].strip() else ""
        return "".join(lines) + sep + "grandfathering:\n" + _fragment(rule_id, values, 2, 2)
    gf = doc["grandfathering"]
    key_line = doc.lc.key("grandfathering")[0]
    if gf is None or (isinstance(gf, CommentedMap) and len(gf) == 0):
        m = re.fullmatch(r"grandfathering:\s*(?:null|~|\{\s*\})?\s*(#.*)?", lines[key_line].rstrip("\r\n"))
        if not m:
            raise GuardError(f"{file}:{key_line + 1}: cannot add a rule to this 'grandfathering:' line; "
                             f"add it under 'grandfathering:' by hand: {_flow_entry(rule_id, values)}")
        lines[key_line] = "grandfathering:" + (f"  {m.group(1)}" if m.group(1) else "") + "\n"
        lines.insert(key_line + 1, _fragment(rule_id, values, 2, 2))
        return "".join(lines)
    if not isinstance(gf, CommentedMap):
        raise GuardError(f"{file}:{key_line + 1}: 'grandfathering' is not a mapping of rules; add this rule "
                         f"by hand: {_flow_entry(rule_id, values)}")
    if gf.fa.flow_style():  # {a: {...}, b: {...}}: the rule goes in as one more flow entry, after the last
        ln, col, lead, trail = _flow_mapping_end(text, file, gf.lc.line, gf.lc.col)
        lines[ln] = lines[ln][:col] + f"{lead}{_flow_entry(rule_id, values)}{trail}" + lines[ln][col:]
        return "".join(lines)
    first = next(iter(gf))
    indent = gf.lc.key(first)[1]
    step = 2
    first_val = gf[first]
    if isinstance(first_val, CommentedMap) and len(first_val) and not first_val.fa.flow_style():
        step = max(first_val.lc.key(next(iter(first_val)))[1] - indent, 1)
    later = [ln for ln in _top_key_lines(doc) if ln > key_line]
    stop = later[0] if later else len(lines)
    end = _last_content_line(lines, key_line, stop, allow_indented_comments=True)
    lines.insert(end + 1, _fragment(rule_id, values, indent, step))
    return "".join(lines)


def _flow_mapping_end(text: str, file: Path, line: int, col: int) -> tuple[int, int, str, str]:
    """Where a new last entry goes in the flow mapping whose ``{`` is at ``line``:``col`` (0-based):
    the line and column just after its last entry (just after the ``{`` of an empty one), and what
    goes before and after the new entry there (``", "`` after a value; ``" "`` and a trailing comma
    after a trailing comma, to keep that style). Found with ruamel.yaml's scanner, which knows quoting,
    nesting, comments and entries across lines: the new entry lands on the line of the last one,
    before any comment there, whatever the layout of the closing brace."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.tokens import (
        FlowEntryToken,
        FlowMappingEndToken,
        FlowMappingStartToken,
        FlowSequenceEndToken,
        FlowSequenceStartToken,
    )

    depth = 0
    prev: Any = None
    try:
        for tok in YAML(typ="rt").scan(text):
            if depth == 0:
                # the node's own "{": the first at or after where it starts (after any &anchor or !tag)
                if isinstance(tok, FlowMappingStartToken) and \
                        (tok.start_mark.line, tok.start_mark.column) >= (line, col):
                    depth, prev = 1, tok
                continue
            if isinstance(tok, (FlowMappingStartToken, FlowSequenceStartToken)):
                depth += 1
            elif isinstance(tok, (FlowMappingEndToken, FlowSequenceEndToken)):
                depth -= 1
                if depth == 0:
                    lead, trail = ("", "") if isinstance(prev, FlowMappingStartToken) else \
                        (" ", ",") if isinstance(prev, FlowEntryToken) else (", ", "")
                    return prev.end_mark.line, prev.end_mark.column, lead, trail
            prev = tok
    except YAMLError as exc:  # pragma: no cover - the same text parsed a moment ago
        raise InputError(f"{file}: cannot parse for editing: {' '.join(str(exc).split())}") from exc
    raise GuardError(f"{file}:{line + 1}: cannot find the end of the flow mapping at column {col + 1}")


def _shared_anchor(text: str, node: Any) -> str | None:
    """The anchor of ``node`` when the file also uses it as an alias (``*name``, ``<<: *name``): an
    edit there would change every node that aliases it, not just this one."""
    from ruamel.yaml import YAML
    from ruamel.yaml.tokens import AliasToken

    name = node.anchor.value
    if not name:
        return None
    return name if any(isinstance(t, AliasToken) and t.value == name for t in YAML(typ="rt").scan(text)) \
        else None


def _splice_until(text: str, file: Path, rule_id: str, until: date, expected: dict[str, Any]) -> str:
    from ruamel.yaml.comments import CommentedMap

    lines = text.splitlines(keepends=True)
    _ensure_nl(lines)
    doc = _rt_load(text, file)
    gf = doc["grandfathering"]
    rule = gf[rule_id]
    value = until.isoformat()
    if not isinstance(rule, CommentedMap):
        raise GuardError(f"{file}: grandfathering rule '{rule_id}' is not a mapping")
    key_line = gf.lc.key(rule_id)[0]
    anchor = _shared_anchor(text, rule)
    if anchor is not None:
        # an alias (legacy-eu: *launch) is the anchored node itself, which YAML writes before it
        what = (f"the alias *{anchor} of the rule written at line {rule.lc.line + 1}"
                if rule.lc.line < key_line
                else f"the YAML anchor &{anchor}, which the file also uses as *{anchor}")
        raise GuardError(f"{file}:{key_line + 1}: rule '{rule_id}' is {what}: setting its until there would "
                         f"change those too; write the rule out by hand: {_flow_entry(rule_id, expected)}")
    own = rule.lc.data or {}  # the keys written in the rule itself, with their positions (not `<<:`'s)
    if "until" in own:  # an until merged in with `<<:` is not edited there but overridden below
        ln, col = rule.lc.value("until")
        line = lines[ln]
        m = _SCALAR_AT.match(line, col)
        if not m:
            raise GuardError(f"{file}:{ln + 1}: cannot find the value of 'until'; set it by hand to {value}")
        lines[ln] = line[: m.start()] + value + line[m.end():]
        return "".join(lines)
    if rule.fa.flow_style():
        ln, col, lead, trail = _flow_mapping_end(text, file, rule.lc.line, rule.lc.col)
        lines[ln] = lines[ln][:col] + f"{lead}until: {value}{trail}" + lines[ln][col:]
        return "".join(lines)
    if not own:
        raise GuardError(f"{file}:{key_line + 1}: rule '{rule_id}' has only a merge key ('<<:'); write the "
                         f"rule out by hand: {_flow_entry(rule_id, expected)}")
    indent = rule.lc.key(next(iter(own)))[1]
    keys = list(gf)
    pos = keys.index(rule_id)
    if pos + 1 < len(keys):
        stop = gf.lc.key(keys[pos + 1])[0]
    else:
        later = [x for x in _top_key_lines(doc) if x > doc.lc.key("grandfathering")[0]]
        stop = later[0] if later else len(lines)
    end = _last_content_line(lines, key_line, stop, allow_indented_comments=False)
    lines.insert(end + 1, " " * indent + f"until: {value}\n")
    return "".join(lines)


# --- checks -----------------------------------------------------------------------------------


def _plain(text: str, file: Path) -> dict[str, Any]:
    from pricebook.load.yamlsrc import parse_yaml

    parsed = parse_yaml(text.encode("utf-8"), str(file))
    if not parsed.ok or not isinstance(parsed.data, (dict, type(None))):
        first = parsed.diagnostics[0].message if parsed.diagnostics else "not a mapping"
        raise GuardError(f"{file}: the edited file would not parse ({first}); nothing was written")
    return dict(parsed.data or {})


def _check_edit(old: str, new: str, file: Path, rule_id: str, expected: dict[str, Any]) -> None:
    """The edited file must hold the old data with exactly one rule set to ``expected``."""
    before, after = _plain(old, file), _plain(new, file)
    want = dict(before)
    gf = dict(want.get("grandfathering") or {})
    gf[rule_id] = expected
    want["grandfathering"] = gf
    if after != want:
        raise GuardError(f"{file}: the edit did not produce the intended YAML (a layout pricebook cannot "
                         f"edit safely); nothing was written. Set the rule by hand: "
                         f"{_flow_entry(rule_id, expected)}")


def _validate_with(catalog_dir: Path, file: Path, new_text: str) -> None:
    from pricebook.load import load_sources
    from pricebook.validation import check_loaded

    sources = [s for s in discover(catalog_dir) if Path(s.path).resolve() != file.resolve()]
    sources.append(SourceFile(str(file), new_text.encode("utf-8")))
    result = check_loaded(load_sources(sorted(sources, key=lambda s: s.path)), root=catalog_dir)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if errors:
        d = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise GuardError(f"refusing to write: the catalog would not validate: {d.location}: {d.rule} "
                         f"{d.message}{more}")


def _holder(catalog_dir: Path) -> tuple[Path, bool]:
    """The file that holds ``grandfathering:`` (first in file order), else grandfathering.yaml."""
    from pricebook.load.yamlsrc import parse_yaml

    for s in discover(catalog_dir):
        parsed = parse_yaml(s.data, s.path)
        if isinstance(parsed.data, dict) and "grandfathering" in parsed.data:
            return Path(s.path), False
    p = Path(catalog_dir) / NEW_FILE
    return p, not p.exists()


def _rules(catalog_dir: Path) -> dict[str, GrandfatheringRule]:
    from pricebook.load import load_catalog

    result = load_catalog(catalog_dir)
    if result.catalog is None:
        d = next(d for d in result.diagnostics if d.severity == "error")
        raise InputError(f"the catalog does not load: {d.location}: {d.message}")
    return dict(result.catalog.grandfathering)


# --- commands ---------------------------------------------------------------------------------


def add_rule(catalog_dir: Path, release: str, plans: Sequence[str] = (),
             subscribed_before: date | None = None, customers: Sequence[str] = (), until: date | None = None,
             rule_id: str | None = None) -> RuleEdit:
    """Add a grandfathering rule that keeps matching customers on ``release``.

    Customers match by ``plans`` + ``subscribed_before``, or by ``customers`` (ids). Refuses
    (``GuardError``, exit 1) when the release is not in the index, the rule id exists, or the catalog
    would not validate afterwards. Writes one file atomically and returns what it wrote.
    """
    from pricebook.fsutil import write_atomic
    from pricebook.releases.index import read_index

    catalog_dir = Path(catalog_dir)
    if not customers and not plans:
        raise UsageError("say whom the rule keeps: --plan with --subscribed-before, or --customers FILE")
    if plans and not customers and subscribed_before is None:
        raise UsageError("--plan needs --subscribed-before (whom to keep on the old prices)")
    known = [e.id for e in read_index(catalog_dir)]
    if release not in known:
        shown = ", ".join(known[-5:]) if known else "none yet; cut one with 'pricebook release'"
        raise GuardError(f"release '{release}' does not exist (releases: {shown})")
    existing = _rules(catalog_dir)
    if rule_id is None:
        base = f"{'-'.join(plans)}-before-{subscribed_before.isoformat()}" if plans and subscribed_before \
            else f"customers-{release}"
        rule_id, n = base, 1
        while rule_id in existing:
            n += 1
            rule_id = f"{base}-{n}"
    elif rule_id in existing:
        raise GuardError(f"grandfathering rule '{rule_id}' already exists")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.:+@/-]*", rule_id):
        raise UsageError(f"rule id '{rule_id}' is not valid (letters, digits and . _ - : + @ /)")
    values: dict[str, Any] = {}
    if plans:
        values["plans"] = list(plans)
    if customers:
        values["customers"] = [str(c) for c in customers]
    if subscribed_before is not None:
        values["subscribed_before"] = subscribed_before
    values["release"] = release
    if until is not None:
        values["until"] = until
    file, created = _holder(catalog_dir)
    old = file.read_bytes().decode("utf-8") if file.exists() else ""
    new = keep_newlines(old or (NEW_FILE_HEADER if created else ""),
                        lambda text: _splice_add(text, file, rule_id, values))
    expected = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}
    _check_edit(old, new, file, rule_id, expected)
    _validate_with(catalog_dir, file, new)
    write_atomic(file, new)
    return RuleEdit(file, rule_id, created, expected)


def expire_rule(catalog_dir: Path, rule_id: str, on: date | None = None) -> RuleEdit:
    """Set a rule's ``until`` to ``on`` (default: today, UTC): from that day its customers get the
    prices in force. Only that one value (or one inserted line) changes in the file."""
    from pricebook.fsutil import write_atomic
    from pricebook.load.yamlsrc import parse_yaml
    from pricebook.releases.index import now_utc

    catalog_dir = Path(catalog_dir)
    existing = _rules(catalog_dir)
    if rule_id not in existing:
        shown = ", ".join(sorted(existing)) or "none"
        raise UsageError(f"no grandfathering rule '{rule_id}' (rules: {shown})")
    when = on or now_utc().date()
    file = None
    for s in discover(catalog_dir):
        parsed = parse_yaml(s.data, s.path)
        if isinstance(parsed.data, dict) and rule_id in (parsed.data.get("grandfathering") or {}):
            file = Path(s.path)
            break
    if file is None:  # pragma: no cover - the catalog loaded, so some file defines it
        raise InputError(f"cannot find the file that defines rule '{rule_id}'")
    old = file.read_bytes().decode("utf-8")
    expected = dict(_plain(old, file)["grandfathering"][rule_id])
    expected["until"] = when.isoformat()
    new = keep_newlines(old, lambda text: _splice_until(text, file, rule_id, when, expected))
    _check_edit(old, new, file, rule_id, expected)
    _validate_with(catalog_dir, file, new)
    write_atomic(file, new)
    return RuleEdit(file, rule_id, False, expected)


def list_rules(catalog_dir: Path, subscriptions: Path | None = None, today: date | None = None
               ) -> list[RuleSummary]:
    """Every grandfathering rule with the release it pins, whether it is active ``today``, and with
    ``subscriptions`` how many distinct customers it matches (ignoring ``until``)."""
    from pricebook.load import load_catalog
    from pricebook.releases.index import now_utc, read_index_file
    from pricebook.releases.timeline import rule_active, rule_matches

    catalog_dir = Path(catalog_dir)
    result = load_catalog(catalog_dir)
    if result.catalog is None:
        d = next(d for d in result.diagnostics if d.severity == "error")
        raise InputError(f"the catalog does not load: {d.location}: {d.message}")
    catalog = result.catalog
    known = {e.id for e in read_index_file(catalog_dir).entries}
    subs = read_subscriptions(subscriptions) if subscriptions else None
    day = today or now_utc().date()
    out = []
    for r in sorted(catalog.grandfathering.values(), key=lambda r: r.id):
        covered = None
        if subs is not None:
            covered = len({s.customer_id for s in subs
                           if rule_matches(r, s.plan, s.subscribed_at, s.customer_id)})
        pos = catalog.locate(("grandfathering", r.id))
        out.append(RuleSummary(r.id, r.release, r.plans, r.customers, r.subscribed_before, r.until,
                               rule_active(r, day), r.release in known, str(pos) if pos else None, covered))
    return out
