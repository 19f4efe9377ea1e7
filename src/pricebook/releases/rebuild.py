"""Writing a release snapshot back into the catalog's source files (rollback without the files in git).

The snapshot is the resolved catalog, not its source: no comments, ``extends`` expanded, defaults
written out. Writing it out whole would lose all of that in every file, so the source is edited only
where it differs (SPEC §3: edits keep every line they do not change), entity by entity (the
``catalog:`` section, one plan, meter, feature, sku, add-on or grandfathering rule):

1. An entity whose resolved value already equals the snapshot's is not touched, nor is a file when
   nothing it defines differs.
2. Values the entity writes itself are edited in place (positions from ruamel.yaml's round-trip
   loader and scanner, as ``grandfather expire`` edits ``until``): a scalar keeps its quoting style
   (a shorthand amount ``"49.00"`` stays one); a flow collection (``{...}``, ``[...]``) whose keys or
   length change is written again in flow style, a block one as a block at its indentation; a key
   the snapshot adds goes after the mapping's last entry, a key it lacks goes with its line(s) or
   its flow entry. Base plans come before the plans that extend them, which inherit the change.
3. A value the entity inherits (``extends``, a default) that must change is overridden: the key is
   added to the nearest mapping the entity writes (for a plan's ``prices`` and ``entitlements``,
   merged entry by entry, only the entries that change). ``extends`` and comments stay.
4. An entity still not equal has its block replaced by the snapshot's (resolved: no ``extends``),
   the rest of its file untouched; an entity the snapshot adds goes after the last of its
   collection in the file holding ``catalog:``; one it lacks has its block cut (a file left defining
   nothing is emptied to a comment saying why).
5. A file whose layout cannot be spliced (a flow-style collection, ``plans: {...}``) is written whole
   from the snapshot, as is every file when the steps above do not reproduce it.

After each edit the planned files are loaded again and compared with the snapshot; an edit after
which the catalog no longer builds is undone. The caller checks the final result as well.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pricebook.load import SourceFile

# the catalog's currency, written first in a money map, as people write them ({USD: ..., EUR: ...})
_FIRST_CURRENCY: ContextVar[tuple[str, ...]] = ContextVar("first_currency", default=())
Entity = tuple[str, str | None]  # ("catalog", None) or (collection, id)
Leaf = tuple[str | int, ...]
Change = tuple[str, Leaf, Any]  # ("set" | "add" | "drop", path inside the entity, new value)
_ROUNDS = 3


class _Unsafe(Exception):
    """A file layout this module does not splice; the file is written whole instead."""


def emptied_text(target: str, why: str) -> bytes:
    return (f"# Emptied by 'pricebook rollback' to release {target}: {why}.\n"
            "# pricebook never deletes files; delete this one if it is no longer needed.\n").encode()


def load_data(catalog_dir: Path, files: dict[str, bytes]) -> dict[str, Any] | None:
    """The canonical data of the catalog made of ``files`` (relative path -> bytes), None when it
    does not build."""
    from pricebook.load import load_sources
    from pricebook.load.dump import catalog_to_data

    result = load_sources([SourceFile(str(catalog_dir / rel), data) for rel, data in sorted(files.items())])
    return catalog_to_data(result.catalog) if result.catalog else None


def defines_nothing(data: bytes) -> bool:
    from pricebook.load.yamlsrc import parse_yaml

    parsed = parse_yaml(data, "x.yaml")
    return parsed.ok and parsed.data is None


def rebuild_from_snapshot(catalog_dir: Path, now_files: dict[str, bytes], want: dict[str, Any],
                          target_id: str) -> dict[str, bytes]:
    """The new bytes of each source file that must change so that the catalog equals ``want`` (a
    release snapshot's data), editing as little as the module docstring says. Files not in the
    result stay as they are. The caller loads and checks the result."""
    currency = (want.get("catalog") or {}).get("currency")
    token = _FIRST_CURRENCY.set((currency,) if isinstance(currency, str) else ())
    try:
        return _rebuild(catalog_dir, now_files, want, target_id)
    finally:
        _FIRST_CURRENCY.reset(token)


def _rebuild(catalog_dir: Path, now_files: dict[str, bytes], want: dict[str, Any],
             target_id: str) -> dict[str, bytes]:
    now = load_data(catalog_dir, now_files)
    if now is None:  # nothing to compare entity by entity: the whole snapshot is written
        return _changed(now_files, whole_files(now_files, want, target_id))
    texts = {rel: _text(data) for rel, data in now_files.items()}
    if any(t is None for t in texts.values()):
        return _changed(now_files, whole_files(now_files, want, target_id))
    work: dict[str, str] = {rel: t for rel, t in texts.items() if t is not None}
    placed, main = _placement(now_files)
    whole: set[str] = set()

    def current() -> dict[str, bytes]:
        out = {rel: _encode(now_files.get(rel, b""), t) for rel, t in work.items()}
        if whole:
            rewritten = whole_files(now_files, want, target_id)
            out.update({rel: rewritten[rel] for rel in whole if rel in rewritten})
        return out

    # 2. values, in place: first where the entity writes them, then as overrides of what it inherits
    got: dict[str, Any] | None = now
    depths = _extends_depths(now_files)
    for lift in (False, True):
        # one entity at a time, a base plan before the plans that extend it: what the base gets
        # back, they inherit, and need no edit of their own
        for entity in sorted(_mismatches(got, want), key=lambda e: depths.get(e, 0)):
            rel = placed.get(entity)
            old, new = _get(got, entity), _get(want, entity)
            if rel is None or old is None or new is None or old == new:
                continue
            try:
                edited = _edit_values(work[rel], entity, _changes(old, new), new if lift else None)
            except _Unsafe:
                continue
            if edited == work[rel]:
                continue
            before, work[rel] = work[rel], edited
            after = load_data(catalog_dir, current())
            if after is None:  # the edit broke the catalog: not this way
                work[rel] = before
                continue
            got = after
            if got == want:
                break
        if got == want:
            break
    # 3. whole entities, as often as replacing one (a plan others extend) changes another
    for _ in range(_ROUNDS):
        if got == want:
            break
        for entity in (_mismatches(got, want) if got is not None else _all_entities(now, want)):
            rel = placed.get(entity, main)
            if rel in whole:
                continue
            try:
                work[rel] = _replace_entity(work.get(rel, ""), entity, _get(want, entity))
            except _Unsafe:
                whole.add(rel)
        got = load_data(catalog_dir, current())
    if got != want:
        return _changed(now_files, whole_files(now_files, want, target_id))
    out = current()
    for rel, data in out.items():
        if data != now_files.get(rel) and defines_nothing(data):
            out[rel] = emptied_text(target_id, "nothing in it is part of that release")
    return _changed(now_files, out)


def whole_files(now_files: dict[str, bytes], want: dict[str, Any], target_id: str) -> dict[str, bytes]:
    """The snapshot written back as whole files, keeping today's layout: each entity goes into the
    file that defines it now; ``catalog:`` and entities no file defines go into the file holding
    ``catalog:`` (else ``catalog.yaml``). A file left with nothing to define is emptied to a comment.
    Each file is in ``pricebook fmt``'s layout. Comments and ``extends`` are lost: the last resort."""
    from pricebook.load.catalog import COLLECTIONS, TOP_LEVEL

    placed, main = _placement(now_files)
    layout: dict[str, dict[str, Any]] = {rel: {} for rel in now_files}
    layout.setdefault(main, {})["catalog"] = want.get("catalog") or {}
    for coll in COLLECTIONS:
        for eid, body in sorted((want.get(coll) or {}).items()):
            layout[placed.get((coll, eid), main)].setdefault(coll, {})[eid] = body
    head = (f"# Written by 'pricebook rollback' from release {target_id}'s snapshot (fully resolved: plans\n"
            "# are expanded, defaults written out); the original source files were not reachable in git.\n")
    out: dict[str, bytes] = {}
    for rel, body in layout.items():
        if not body:
            out[rel] = emptied_text(target_id, "nothing in it is part of that release")
            continue
        out[rel] = _render(head, {k: body[k] for k in TOP_LEVEL if k in body}).encode("utf-8")
    return out


# --- comparing ------------------------------------------------------------------------------------


def _changed(now_files: dict[str, bytes], new: dict[str, bytes]) -> dict[str, bytes]:
    """Only the files whose bytes change, leaving alone a file that already defines nothing rather
    than write the emptied comment into it."""
    return {rel: data for rel, data in new.items()
            if now_files.get(rel) != data
            and not (rel in now_files and data.startswith(b"# Emptied") and defines_nothing(now_files[rel]))}


def _placement(files: dict[str, bytes]) -> tuple[dict[Entity, str], str]:
    """The file that defines each entity now (the first in file order), and the file holding
    ``catalog:`` (else ``catalog.yaml``), where new entities go."""
    from pricebook.load.catalog import COLLECTIONS
    from pricebook.load.yamlsrc import parse_yaml

    placed: dict[Entity, str] = {}
    main = None
    for rel, data in sorted(files.items()):
        parsed = parse_yaml(data, rel).data
        if not isinstance(parsed, dict):
            continue
        if "catalog" in parsed and main is None:
            main = rel
            placed[("catalog", None)] = rel
        for coll in COLLECTIONS:
            if isinstance(parsed.get(coll), dict):
                for eid in parsed[coll]:
                    placed.setdefault((coll, str(eid)), rel)
    return placed, main or "catalog.yaml"


def _extends_depths(files: dict[str, bytes]) -> dict[Entity, int]:
    """How many plans each plan extends, one through the other (a base plan sorts first)."""
    from pricebook.load.yamlsrc import parse_yaml

    parents: dict[str, Any] = {}
    for rel, data in sorted(files.items()):
        parsed = parse_yaml(data, rel).data
        plans = parsed.get("plans") if isinstance(parsed, dict) else None
        if isinstance(plans, dict):
            for pid, body in plans.items():
                if isinstance(body, dict):
                    parents.setdefault(str(pid), body.get("extends"))
    depths: dict[Entity, int] = {}
    for pid, cur in parents.items():
        depth, seen = 0, {pid}
        while isinstance(cur, str) and cur not in seen:
            seen.add(cur)
            depth, cur = depth + 1, parents.get(cur)
        depths[("plans", pid)] = depth
    return depths


def _get(data: dict[str, Any] | None, entity: Entity) -> Any:
    if data is None:
        return None
    coll, eid = entity
    if eid is None:
        return data.get(coll)
    return (data.get(coll) or {}).get(eid)


def _all_entities(*datas: dict[str, Any] | None) -> list[Entity]:
    from pricebook.load.catalog import COLLECTIONS

    out: set[Entity] = {("catalog", None)}
    for data in datas:
        for coll in COLLECTIONS:
            out.update((coll, eid) for eid in ((data or {}).get(coll) or {}))
    return sorted(out, key=lambda e: (e[0], e[1] or ""))


def _mismatches(got: dict[str, Any] | None, want: dict[str, Any]) -> list[Entity]:
    return [e for e in _all_entities(got, want) if _get(got, e) != _get(want, e)]


def _changes(old: Any, new: Any, path: Leaf = ()) -> list[Change]:
    """How ``old`` becomes ``new``, as deep as their shapes agree: ``set`` a value (a scalar, or a
    list of another length whole), ``add`` or ``drop`` one key of a mapping."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [c for k in old if k in new for c in _changes(old[k], new[k], (*path, k))]
        out += [("drop", (*path, k), None) for k in old if k not in new]
        return out + [("add", (*path, k), new[k]) for k in new if k not in old]
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new, strict=True)) for c in _changes(a, b, (*path, i))]
    return [] if (type(old), old) == (type(new), new) else [("set", path, new)]


# --- editing scalars in place ---------------------------------------------------------------------


def _text(data: bytes) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return text.replace("\r\n", "\n")


def _encode(original: bytes, text: str) -> bytes:
    """``text`` (``\\n`` line ends) with the line ends of the file it was read from."""
    crlf = b"\r\n" in original and original.count(b"\r\n") == original.count(b"\n")
    return (text.replace("\n", "\r\n") if crlf else text).encode("utf-8")


def _rt_load(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    y = YAML(typ="rt")
    y.preserve_quotes = True
    try:
        return y.load(text)
    except YAMLError as exc:
        raise _Unsafe(str(exc)) from exc


def _key(mapping: Any, key: Any) -> Any:
    """The key of ``mapping`` that reads as ``key`` (ids are strings in the snapshot, a plan named
    ``2026`` is a number in the source)."""
    from collections.abc import Mapping

    if not isinstance(mapping, Mapping):
        raise _Unsafe("not a mapping")
    for k in mapping:
        if k == key or str(k) == str(key):
            return k
    raise _Unsafe(f"no key {key}")


def _entity_node(doc: Any, entity: Entity) -> tuple[Any, Any, Any]:
    """(parent mapping, its key, value) of ``entity`` in a round-trip document."""
    coll, eid = entity
    top = _key(doc, coll)
    if eid is None:
        return doc, top, doc[top]
    parent = doc[top]
    k = _key(parent, eid)
    return parent, k, parent[k]


def _edit_values(text: str, entity: Entity, changes: list[Change], want: Any = None) -> str:
    """``text`` with ``changes`` made to ``entity`` where the source writes the values: a scalar
    token in its own quoting style, a flow collection (``{...}``, ``[...]``) by one in flow style, a
    block one by a block at its indentation; a key added after the mapping's last, a key dropped
    with its line(s) or its flow entry. A change the entity's text cannot take (the value is
    inherited through ``extends`` or a default, merged in with ``<<:``, a block scalar) is skipped;
    given ``want`` (the entity's new value), a value it inherits is overridden instead: the key the
    entity does not write is added to the nearest mapping it does, with ``want``'s value (for
    ``prices`` and ``entitlements``, which a plan merges entry by entry, only the entries that
    change)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from pricebook.load.build import MERGED_PLAN_KEYS

    doc = _rt_load(text)
    _, _, node = _entity_node(doc, entity)
    try:
        tokens = list(YAML(typ="rt").scan(text))
    except YAMLError as exc:  # pragma: no cover - the same text parsed a moment ago
        raise _Unsafe(str(exc)) from exc
    src = _Source(text, tokens)
    edits: list[tuple[int, int, str]] = []  # (start offset, end offset, new text)
    overrides: dict[Leaf, Any] = {}  # keys the entity does not write, to add with want's value
    for op, path, value in changes:
        if not path:
            continue
        edit = (src.set(node, path, value, _money(path)) if op == "set" else
                src.add(node, path, value, _money(path)) if op == "add" else src.drop(node, path))
        if edit is not None:
            edits.append(edit)
        elif want is not None and op in ("set", "add"):
            written = next(n for n in range(len(path) - 1, -1, -1)
                           if n == 0 or _locate(node, path[:n]) is not None)
            key = path[:written + 1]
            if entity[0] == "plans" and written == 0 and len(path) > 1 and key[0] in MERGED_PLAN_KEYS:
                # only the entries that change: the others are still inherited
                overrides.setdefault(key, {})[path[1]] = _at(want, path[:2])
            else:
                overrides[key] = _at(want, key)
    for path, value in overrides.items():
        edit = src.add(node, path, value, _money(path))
        if edit is not None:
            edits.append(edit)
    edits.sort(key=lambda e: (e[0], e[1]))  # stable: inserts at one place stay in order
    for (_, a_end, _), (b_begin, _, _) in zip(edits, edits[1:], strict=False):
        if a_end > b_begin:
            raise _Unsafe("overlapping edits")
    for begin, end, new in reversed(edits):
        text = text[:begin] + new + text[end:]
    return text


def _money(path: Leaf) -> bool:
    return any(isinstance(step, str) and step in _MONEY_KEYS for step in path)


def _at(value: Any, path: Leaf) -> Any:
    for step in path:
        value = value[step]
    return value


class _Source:
    """One file's text, its scanner tokens and line offsets: where each edit goes."""

    def __init__(self, text: str, tokens: list[Any]) -> None:
        from ruamel.yaml.tokens import ScalarToken

        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for ln in self.lines:
            self.starts.append(self.starts[-1] + len(ln))
        self.tokens = tokens
        self.scalars = {(t.start_mark.line, t.start_mark.column): t for t in tokens
                        if isinstance(t, ScalarToken)}

    def at(self, line: int, col: int) -> int:
        return self.starts[line] + col

    def value_end(self, cur: Any, line: int, col: int) -> int | None:
        """The offset just after the value written at ``line``:``col`` (a scalar or a flow collection)."""
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        if isinstance(cur, (CommentedMap, CommentedSeq)):
            close = _flow_end(self.tokens, line, col) if cur.fa.flow_style() else None
            return None if close is None else self.at(*close)
        token = self.scalars.get((line, col))
        if token is None or token.style in ("|", ">"):
            return None  # an anchor, alias, tag or block scalar
        return self.at(token.end_mark.line, token.end_mark.column)

    def key_block(self, parent: Any, key: Any) -> tuple[int, int]:
        """The lines (first, last) of ``key``'s entry in the block mapping ``parent``."""
        kline, kcol = parent.lc.key(key)
        later = [parent.lc.key(k)[0] for k in (parent.lc.data or {}) if parent.lc.key(k)[0] > kline]
        stop = min(later) if later else _stop_after(self.lines, kline, kcol)
        return kline, _block_end(self.lines, kline, stop)

    def set(self, node: Any, path: Leaf, value: Any, money: bool) -> tuple[int, int, str] | None:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        found = _locate(node, path)
        if found is None:
            return None
        parent, key, cur, (line, col) = found
        like = _plain(cur)
        if not isinstance(cur, (CommentedMap, CommentedSeq)) or cur.fa.flow_style():
            end = self.value_end(cur, line, col)
            if end is None:
                return None
            token = self.scalars.get((line, col))
            new = _flow(value, money, like) if isinstance(value, (dict, list)) else \
                _scalar(value, token.style if token is not None else None)
            return self.at(line, col), end, new
        if not isinstance(parent, CommentedMap):
            return None  # a block collection inside a block list item: left to the entity's block
        first, last = self.key_block(parent, key)
        return self.starts[first], self.starts[last + 1], \
            "".join(_block_lines(key, value, parent.lc.key(key)[1], money, like, block=True))

    def add(self, node: Any, path: Leaf, value: Any, money: bool) -> tuple[int, int, str] | None:
        from ruamel.yaml.comments import CommentedMap

        if len(path) == 1:
            parent = node
        else:
            found = _locate(node, path[:-1])
            if found is None:
                return None
            parent = found[2]
        key = path[-1]
        if not isinstance(parent, CommentedMap) or any(str(k) == str(key) for k in parent):
            return None  # not a mapping, or one that has the key already (merged in with `<<:`)
        own = sorted(parent.lc.data or {}, key=lambda k: tuple(parent.lc.key(k)))
        # a new entry is written like its siblings (`{limit: ..., enforcement: ...}`, USD before EUR)
        like = next((v for v in _plain(parent).values() if isinstance(v, dict)), None) \
            if isinstance(value, dict) else None
        if parent.fa.flow_style():
            line, col = parent.lc.line, parent.lc.col
            close = _flow_end(self.tokens, line, col)
            if close is None:
                return None
            end = self.at(*close) - 1  # the closing brace
            if self.lines[close[0]][close[1] - 1] != "}":
                return None
            entry = f"{_key_text(key)}: {_flow(value, money or key in _MONEY_KEYS, like)}"
            return end, end, (f", {entry}" if own else entry)
        if not own:
            return None
        _, last = self.key_block(parent, own[-1])
        at = self.starts[last + 1]
        lines = _block_lines(key, value, parent.lc.key(own[-1])[1], money or key in _MONEY_KEYS, like)
        return at, at, "".join(lines)

    def drop(self, node: Any, path: Leaf) -> tuple[int, int, str] | None:
        from ruamel.yaml.comments import CommentedMap

        found = _locate(node, path)
        if found is None:
            return None
        parent, key, cur, (line, col) = found
        if not isinstance(parent, CommentedMap):
            return None
        own = sorted(parent.lc.data or {}, key=lambda k: tuple(parent.lc.key(k)))
        if len(own) < 2:
            return None  # the mapping would be left empty: left to the entity's block
        i = own.index(key)
        if not parent.fa.flow_style():
            first, last = self.key_block(parent, key)
            return self.starts[first], self.starts[last + 1], ""
        end = self.value_end(cur, line, col)
        if end is None:
            return None
        if i + 1 < len(own):  # up to the next key, so its comma goes too
            return self.at(*parent.lc.key(key)), self.at(*parent.lc.key(own[i + 1])), ""
        prev = own[i - 1]
        prev_end = self.value_end(parent[prev], *parent.lc.value(prev))
        return (None if prev_end is None else (prev_end, end, ""))


def _plain(node: Any) -> Any:
    """A round-trip node as plain data (key order kept), to order a new value like the old one."""
    from collections.abc import Mapping

    if isinstance(node, Mapping):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _key_text(key: Any) -> str:
    from pricebook.diagnostics import yaml_text

    return yaml_text(key)


_MONEY_KEYS = frozenset({"amount", "unit_price", "package_price", "fixed_fee", "min", "max", "flat_fee",
                         "minimum", "credit", "unit_cost"})


def _locate(node: Any, path: Leaf) -> tuple[Any, Any, Any, tuple[int, int]] | None:
    """(parent, key or index, node, (line, column) of the node) of the value at ``path`` as the
    entity's own text writes it; None when it is not written there. A shorthand amount (``"49.00"``
    for ``{USD: "49.00"}``) is found for the currency's path: it is where that value is written."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    cur: Any = node
    parent: Any = None
    key: Any = None
    at: tuple[int, ...] | None = None
    for i, step in enumerate(path):
        if isinstance(cur, CommentedMap):
            try:
                k = _key(cur, step)
            except _Unsafe:
                return None
            if k not in (cur.lc.data or {}):  # merged in with `<<:`, not written here
                return None
            parent, key, at, cur = cur, k, tuple(cur.lc.value(k)), cur[k]
        elif isinstance(cur, CommentedSeq) and isinstance(step, int) and step < len(cur):
            parent, key, at, cur = cur, step, tuple(cur.lc.item(step)), cur[step]
        elif i == len(path) - 1 and at is not None and isinstance(step, str) and step.isupper():
            break  # the shorthand amount
        else:
            return None
    if at is None:
        return None
    return parent, key, cur, (at[0], at[1])


def _flow_end(tokens: list[Any], line: int, col: int) -> tuple[int, int] | None:
    """Where the flow collection that opens at ``line``:``col`` ends (just after its bracket)."""
    from ruamel.yaml.tokens import (
        FlowMappingEndToken,
        FlowMappingStartToken,
        FlowSequenceEndToken,
        FlowSequenceStartToken,
    )

    depth = 0
    for tok in tokens:
        if depth == 0:
            if isinstance(tok, (FlowMappingStartToken, FlowSequenceStartToken)) and \
                    (tok.start_mark.line, tok.start_mark.column) == (line, col):
                depth = 1
            continue
        if isinstance(tok, (FlowMappingStartToken, FlowSequenceStartToken)):
            depth += 1
        elif isinstance(tok, (FlowMappingEndToken, FlowSequenceEndToken)):
            depth -= 1
            if depth == 0:
                return tok.end_mark.line, tok.end_mark.column
    return None


def _stop_after(lines: list[str], line: int, col: int) -> int:
    """The first line after ``line`` with content at column ``col`` or left of it (the end of the
    block of a key written at ``col``)."""
    for i in range(line + 1, len(lines)):
        s = lines[i]
        if s.strip() and not s.lstrip().startswith("#") and len(s) - len(s.lstrip(" ")) <= col:
            return i
    return len(lines)


def _keys(value: dict[str, Any], like: Any) -> list[str]:
    """The keys of ``value`` (snapshot order: sorted) in the order the old value ``like`` wrote them,
    then in the order ``fmt`` writes price specs and tiers, then as they come."""
    from pricebook.fmt import PRICE_KEY_ORDER

    first = [k for k in like if k in value] if isinstance(like, dict) else []
    order: tuple[str, ...] = ("id", "name", "description", "extends", *_FIRST_CURRENCY.get())
    if "model" in value:
        order = PRICE_KEY_ORDER
    elif set(value) <= {"up_to", "unit_price", "flat_fee"}:
        order = ("up_to", "unit_price", "flat_fee")
    rest = [k for k in order if k in value] + list(value)
    return list(dict.fromkeys([*first, *rest]))


def _sub(like: Any, key: Any) -> Any:
    if isinstance(like, dict):
        return like.get(key)
    if isinstance(like, list) and isinstance(key, int) and key < len(like):
        return like[key]
    return None


def _flow(value: Any, money: bool = False, like: Any = None) -> str:
    """``value`` as one line of flow YAML, keys ordered like the old value ``like``: money as quoted
    decimal strings (as ``fmt`` writes them), other decimals plain."""
    from pricebook.diagnostics import yaml_text
    from pricebook.load.yamlsrc import is_plain_decimal

    if isinstance(value, dict):
        return "{" + ", ".join(f"{yaml_text(k)}: {_flow(value[k], money or k in _MONEY_KEYS, _sub(like, k))}"
                               for k in _keys(value, like)) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v, money, _sub(like, i)) for i, v in enumerate(value)) + "]"
    if isinstance(value, str) and is_plain_decimal(value):
        return json.dumps(value) if money else value
    return yaml_text(value)


def _scalar(value: Any, style: str | None) -> str:
    """``value`` as a YAML scalar in the quoting ``style`` the old value was written in."""
    from pricebook.diagnostics import yaml_text
    from pricebook.load.yamlsrc import is_plain_decimal

    if not isinstance(value, str):
        return yaml_text(value)
    if style == '"':
        return json.dumps(value, ensure_ascii=False)
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return value if is_plain_decimal(value) else yaml_text(value)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _inline(value: Any, room: int) -> bool:
    """Whether ``value`` is written in flow style on its key's line, as the example catalogs write
    price specs, tiers, money and meters: a scalar, or a collection at most two levels deep that fits."""
    return not isinstance(value, (dict, list)) or not value or (
        _depth(value) <= 2 and len(_flow(value)) <= room)


def _block_lines(key: Any, value: Any, indent: int, money: bool = False, like: Any = None,
                 block: bool = False) -> list[str]:
    """``key: value`` as YAML lines at column ``indent`` in ``fmt``'s layout (two-space indentation,
    list items two spaces in under their key), small collections in flow style unless ``block`` (the
    old value was a block), keys ordered like the old value ``like``."""
    pad = " " * indent
    head = f"{pad}{_key_text(key)}:"
    if not (block and isinstance(value, (dict, list)) and value) and _inline(value, _WIDTH - len(head) - 1):
        return [f"{head} {_flow(value, money, like)}\n"]
    out = [head + "\n"]
    if isinstance(value, dict):
        for k in _keys(value, like):
            out += _block_lines(k, value[k], indent + 2, money or k in _MONEY_KEYS, _sub(like, k))
        return out
    for i, item in enumerate(value):
        item_like = _sub(like, i)
        if not isinstance(item, dict) or _inline(item, _WIDTH - indent - 4):
            out.append(f"{pad}  - {_flow(item, money, item_like)}\n")
            continue
        for j, k in enumerate(_keys(item, item_like)):
            sub = _block_lines(k, item[k], indent + 4, money or k in _MONEY_KEYS, _sub(item_like, k))
            if j == 0:
                sub[0] = f"{pad}  - " + sub[0][indent + 4:]
            out += sub
    return out


_WIDTH = 110


# --- replacing whole entities ---------------------------------------------------------------------


def _render(head: str, doc: dict[str, Any]) -> str:
    """Block YAML in ``pricebook fmt``'s layout (the last resort's whole files)."""
    import yaml

    from pricebook.fmt import format_text

    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False)
    return format_text(head + text)


def _top_key_lines(doc: Any) -> list[int]:
    return sorted(doc.lc.key(k)[0] for k in (doc.lc.data or {}))


def _block_end(lines: list[str], start: int, stop: int) -> int:
    """The last line of the block that starts at ``start``, before ``stop``: blank lines and comments
    at its end belong to what follows."""
    for i in range(stop - 1, start, -1):
        s = lines[i].strip()
        if s and not s.startswith("#"):
            return i
    return start


def _replace_entity(text: str, entity: Entity, body: Any) -> str:
    """``text`` with ``entity``'s block replaced by ``body`` (removed when ``body`` is None; added
    after the last entity of its collection when the file does not define it, with the collection at
    the end of the file when the file has none). Raises ``_Unsafe`` for a layout it does not splice."""

    coll, eid = entity
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    doc: Any = _rt_load(text) if text.strip() else None
    if doc is not None and not _block_map(doc):
        raise _Unsafe("not a block mapping")
    try:
        top = _key(doc, coll) if doc is not None else None
    except _Unsafe:
        top = None
    if top is None:  # the file has no such collection (or section): it goes at the end
        if body is None:
            return text
        new = _block_lines(coll, body, 0) if eid is None else [f"{coll}:\n", *_block_lines(eid, body, 2)]
        sep = ["\n"] if lines and lines[-1].strip() else []
        return "".join([*lines, *sep, *new])
    tops = _top_key_lines(doc)
    start = doc.lc.key(top)[0]
    later = [ln for ln in tops if ln > start]
    coll_end = _block_end(lines, start, later[0] if later else len(lines))
    if eid is None:
        if body is None:
            return _cut(lines, start, coll_end)
        old = doc[top]
        lines[start:coll_end + 1] = _block_lines(coll, body, 0, like=_plain(old), block=_block_map(old))
        return "".join(lines)
    entities = doc[top]
    if not _block_map(entities) or not entities.lc.data:
        raise _Unsafe(f"'{coll}' is not a block mapping")
    keys = sorted(entities.lc.data, key=lambda k: entities.lc.key(k)[0])
    col = entities.lc.key(keys[0])[1]
    try:
        k = _key(entities, eid)
    except _Unsafe:  # not defined here: a new entity goes after the collection's last
        if body is not None:  # written like the entity before it: keys in the same order
            last = entities[keys[-1]]
            lines[coll_end + 1:coll_end + 1] = _block_lines(eid, body, col, like=_plain(last),
                                                            block=_block_map(last))
        return "".join(lines)
    if k not in entities.lc.data:
        raise _Unsafe(f"'{eid}' is merged in, not written here")
    pos = keys.index(k)
    first = entities.lc.key(k)[0]
    end = _block_end(lines, first, entities.lc.key(keys[pos + 1])[0]) if pos + 1 < len(keys) else coll_end
    if body is None and len(keys) == 1:  # the collection's last entity goes: so does `coll:`
        first, end = start, coll_end
    if body is None:
        return _cut(lines, first, end)
    lines[first:end + 1] = _block_lines(k, body, col, like=_plain(entities[k]), block=_block_map(entities[k]))
    return "".join(lines)


def _cut(lines: list[str], first: int, last: int) -> str:
    """The text without lines ``first`` to ``last``, and without the blank line before them when a
    blank line (or the end of the file) follows: the gap they leave is not doubled."""
    del lines[first:last + 1]
    if first > 0 and not lines[first - 1].strip() and (first == len(lines) or not lines[first].strip()):
        del lines[first - 1]
    return "".join(lines)


def _block_map(node: Any) -> bool:
    from ruamel.yaml.comments import CommentedMap

    return isinstance(node, CommentedMap) and not node.fa.flow_style()
