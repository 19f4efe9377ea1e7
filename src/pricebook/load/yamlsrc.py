"""YAML bytes -> plain data with a source position for every node, and findings instead of crashes.

Two readers give the same result. The C reader (``_cyaml.c``, on libyaml's events; optional, built
at install) reads every file with nothing unusual in it. The Python reader (below: libyaml through
PyYAML's composer, then our own constructor) reads the rest and reports their findings. We construct
values ourselves, because the stock constructors lose what pricebook needs:

- numbers stay exact: a plain scalar that YAML resolves to int or float becomes ``Decimal`` of its
  source text (``0.1`` is one tenth); ``.inf``, ``.nan``, hex and sexagesimal stay strings, so the
  schema reports them as "not a decimal" instead of the loader guessing;
- only ``true``/``false`` are booleans (YAML 1.2 core): ``no``, ``on`` and ``yes`` stay strings,
  which avoids the Norway problem in dimension values and ids;
- timestamps stay strings (the model parses the dates it expects);
- duplicate keys are findings (PyYAML silently keeps the last one);
- a tag is a finding (PB009) on every node, scalar, key, mapping or sequence, unless it is a standard
  tag that means what the node is without it (``!!str``, ``!!int``, ... on a scalar, ``!!map`` on a
  mapping, ``!!seq`` on a sequence, ``!``), so ``!!python/object`` or ``!!set`` is never ignored;
- aliases and merge keys work, but a document whose alias expansion is far larger than itself
  (a "billion laughs" file) is refused before anything is expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from pricebook.diagnostics import CatalogPath, Diagnostic, Position

MAX_FILE_BYTES = 10 * 1024 * 1024
# Aliases may add at most this many nodes beyond three times the document's own node count.
ALIAS_EXPANSION_ALLOWANCE = 100_000

_T = "tag:yaml.org,2002:"
STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG = _T + "str", _T + "int", _T + "float", _T + "bool"
NULL_TAG, TS_TAG, MERGE_TAG = _T + "null", _T + "timestamp", _T + "merge"
MAP_TAG, SEQ_TAG = _T + "map", _T + "seq"
_KNOWN_SCALAR_TAGS = {STR_TAG, INT_TAG, FLOAT_TAG, BOOL_TAG, NULL_TAG, TS_TAG, _T + "value", _T + "binary"}
# A number as the catalog and usage may write it: optional sign, ASCII digits, optional fraction and
# exponent. Python's Decimal() also takes "4_9", " 49 " and non-ASCII digits: text must match this first.
_FINITE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


class PositionMap(Mapping[CatalogPath, Position]):
    """Positions of nodes, stored compactly as ``(file, line, column)`` tuples and turned into a
    ``Position`` only when one is looked up. A large catalog has hundreds of thousands of nodes and
    findings need a handful of positions; tuples are also several times faster to pickle.

    A pickled map unpickles lazily: it keeps the pickled bytes of its tuples and reads them on the
    first lookup, so a cached catalog with no findings never pays for its positions. A map from
    the C reader starts compact (``compact``: each node's last path step and its parent, line and
    column packed in bytes) and is expanded on the first lookup; it is pickled compact."""

    __slots__ = ("_raw", "_blob", "_blob_of", "_compact")

    def __init__(self, raw: dict[CatalogPath, tuple[str, int, int]] | None = None) -> None:
        self._raw: dict[CatalogPath, tuple[str, int, int]] | None = raw if raw is not None else {}
        self._blob: bytes | None = None  # pickled tuples not read yet
        self._blob_of: tuple[bytes, int] | None = None  # the pickled tuples of _raw, and its size then
        self._compact: tuple[str, list[str | int], bytes] | None = None  # (file, steps, records)

    @classmethod
    def compact(cls, file: str, steps: list[str | int], records: bytes) -> PositionMap:
        """The positions the C reader returns (see ``_cyaml.c``), expanded when first looked up."""
        m = cls()
        m._raw, m._compact = None, (file, steps, records)
        return m

    @property
    def raw(self) -> dict[CatalogPath, tuple[str, int, int]]:
        if self._raw is None:
            if self._compact is not None:
                self._raw = _expand(*self._compact)
                self._compact = None
                return self._raw
            import pickle

            assert self._blob is not None
            self._raw = pickle.loads(self._blob)
            self._blob_of, self._blob = (self._blob, len(self._raw)), None
        return self._raw

    def __getitem__(self, key: CatalogPath) -> Position:
        return Position(*self.raw[key])

    def get(self, key: CatalogPath, default: Any = None) -> Any:
        t = self.raw.get(key)
        return default if t is None else Position(*t)

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[CatalogPath]:
        return iter(self.raw)

    def __len__(self) -> int:
        if self._compact is not None:
            return len(self._compact[1])
        return len(self.raw)

    def __bool__(self) -> bool:
        if self._compact is not None:
            return bool(self._compact[1])
        return self._raw is None or bool(self._raw)  # a map is pickled lazily only when not empty

    def __reduce__(self) -> tuple[Any, ...]:
        if self._compact is not None:
            return (PositionMap.compact, self._compact)
        if self._raw is None:
            return (_lazy_positions, (self._blob,))
        if not self._raw:
            return (PositionMap, ())
        import pickle

        # A file's positions are pickled twice when the caches are filled (its parse result, then
        # the catalog's whole result): keep the bytes, and redo them only if the map has grown.
        blob, size = self._blob_of or (b"", -1)
        if size != len(self._raw):
            blob = pickle.dumps(self._raw, protocol=pickle.HIGHEST_PROTOCOL)
            self._blob_of = (blob, len(self._raw))
        return (_lazy_positions, (blob,))


def _expand(file: str, steps: list[str | int], records: bytes) -> dict[CatalogPath, tuple[str, int, int]]:
    """Compact positions (``PositionMap.compact``) as a dict: in C where the C reader is built, else
    here (a cache written by an install with the C reader, read by one without it)."""
    try:
        from pricebook.load._cyaml import expand
    except ImportError:
        pass
    else:
        out: dict[CatalogPath, tuple[str, int, int]] = expand(file, steps, records)
        return out
    import array

    r = array.array("i", records)
    if len(r) != 3 * len(steps):
        raise ValueError("positions do not match their paths")
    paths: list[CatalogPath] = []
    out = {}
    for i, step in enumerate(steps):
        parent = r[3 * i]
        if not -1 <= parent < i:
            raise ValueError("a position's parent comes after it")
        path = (*(paths[parent] if parent >= 0 else ()), step)
        paths.append(path)
        out[path] = (file, r[3 * i + 1], r[3 * i + 2])
    return out


def _lazy_positions(blob: bytes) -> PositionMap:
    m = PositionMap()
    m._raw, m._blob = None, blob
    return m


class MergedPositions(Mapping[CatalogPath, Position]):
    """The positions of a catalog made of several files: a lookup asks the files from the last to
    the first, so a later file's position wins as with ``dict.update``. Nothing is copied, so the
    positions of a file read from the cache stay pickled until a finding needs one of them."""

    __slots__ = ("maps", "_merged")

    def __init__(self, maps: list[PositionMap] | None = None) -> None:
        self.maps: list[PositionMap] = maps if maps is not None else []
        self._merged: dict[CatalogPath, tuple[str, int, int]] | None = None

    def add(self, positions: PositionMap) -> None:
        self.maps.append(positions)
        self._merged = None

    @property
    def raw(self) -> dict[CatalogPath, tuple[str, int, int]]:
        """Every position as one dict (built on first use)."""
        if self._merged is None:
            merged: dict[CatalogPath, tuple[str, int, int]] = {}
            for m in self.maps:
                merged.update(m.raw)
            self._merged = merged
        return self._merged

    def _find(self, key: Any) -> tuple[str, int, int] | None:
        if self._merged is not None:
            return self._merged.get(key)
        for m in reversed(self.maps):
            t = m.raw.get(key)
            if t is not None:
                return t
        return None

    def __getitem__(self, key: CatalogPath) -> Position:
        t = self._find(key)
        if t is None:
            raise KeyError(key)
        return Position(*t)

    def get(self, key: CatalogPath, default: Any = None) -> Any:
        t = self._find(key)
        return default if t is None else Position(*t)

    def __contains__(self, key: object) -> bool:
        return self._find(key) is not None

    def __iter__(self) -> Iterator[CatalogPath]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __bool__(self) -> bool:
        return any(self.maps)

    def __reduce__(self) -> tuple[Any, ...]:
        return (MergedPositions, (self.maps,))


@dataclass
class ParsedYaml:
    """The result of reading one file: its data (None for an empty file), the position of every
    node keyed by its path, and findings. ``data`` is None also when the file could not be read."""

    data: Any
    positions: PositionMap = field(default_factory=PositionMap)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    ok: bool = True


def _diag(rule: str, name: str, message: str, file: str, line: int = 1, column: int = 1,
          fix: str | None = None) -> Diagnostic:
    return Diagnostic(rule=rule, severity="error", message=message, file=file, line=line,
                      column=column, fix=fix, name=name)


def decode_source(data: bytes, file: str) -> tuple[str | None, Diagnostic | None]:
    """Bytes -> text, or the finding that says why not (too large, binary, not UTF-8)."""
    if len(data) > MAX_FILE_BYTES:
        return None, _diag("PB005", "file-too-large",
                           f"file is {len(data):,} bytes; catalog files are limited to {MAX_FILE_BYTES:,}",
                           file, fix="split the catalog into several files")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        return None, _diag("PB004", "binary-file", "file contains NUL bytes; it is not a text file",
                           file, line, 1)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, _diag("PB003", "not-utf8",
                           f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                           file, line, col, fix="save the file as UTF-8")
    return text, None


def parse_yaml(data: bytes, file: str) -> ParsedYaml:
    """Parse one YAML file. Never raises for bad input: every problem becomes a finding."""
    text, problem = decode_source(data, file)
    if text is None:
        assert problem is not None
        return ParsedYaml(None, diagnostics=[problem], ok=False)
    fast = _fast_parser()
    if fast is not None:
        done = fast(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, _plain_value, _UNSUPPORTED)
        if done is not None:
            return ParsedYaml(done[0], PositionMap.compact(file, done[1], done[2]))
    import yaml

    try:
        docs = list(yaml.compose_all(text, Loader=_loader_class()))
    except yaml.MarkedYAMLError as exc:
        return ParsedYaml(None, diagnostics=[_syntax_finding(exc, file, text)], ok=False)
    except yaml.YAMLError as exc:  # errors without a mark (reader errors)
        return ParsedYaml(None, diagnostics=[_diag("PB001", "yaml-syntax", _one_line(str(exc)), file)],
                          ok=False)
    except RecursionError:
        return ParsedYaml(None, diagnostics=[_diag("PB001", "yaml-syntax", "document is nested too deeply",
                                                   file)], ok=False)
    if not docs:
        return ParsedYaml(None)
    if len(docs) > 1:
        mark = docs[1].start_mark
        return ParsedYaml(None, diagnostics=[_diag(
            "PB008", "multiple-documents", "file holds more than one YAML document ('---'); "
            "a catalog file is one mapping", file, mark.line + 1, mark.column + 1,
            fix="split the documents into separate files")], ok=False)
    # An alias needs an anchor: without '&' in the text there is nothing to expand.
    return _Constructor(file).run(docs[0], check_aliases="&" in text)


@lru_cache(maxsize=1)
def _fast_parser() -> Any:
    """The C reader's ``parse`` (``_cyaml.c``), or None where it was not built or
    ``PRICEBOOK_PURE_YAML`` is set. It reads a file with nothing unusual in it (no syntax error,
    anchor, tag, merge or duplicate key) ten times faster than libyaml's events turned into PyYAML
    nodes and then into data here, and returns None for every other file, which is read here."""
    import os

    if os.environ.get("PRICEBOOK_PURE_YAML"):
        return None
    try:
        from pricebook.load._cyaml import parse
    except ImportError:
        return None
    return parse


def _plain_value(text: str) -> Any:
    """What a plain scalar of this text becomes (the C reader asks once per distinct text;
    ``_UNSUPPORTED`` makes it leave the file to the Python reader, which reports it)."""
    return _scalar_value(_plain_tag(text), text, "")


def _plain_tag(text: str) -> str:
    """The tag YAML 1.1 (PyYAML's safe loader) resolves a plain scalar to. The C reader needs no
    PyYAML (13 ms to import on every run); tests/load/test_cyaml.py checks both agree."""
    for tag, match in _implicit_resolvers().get(text[0] if text else "", ()):
        if match(text):
            return tag
    return STR_TAG


@lru_cache(maxsize=1)
def _implicit_resolvers() -> dict[str, list[tuple[str, Any]]]:
    """PyYAML's implicit resolvers (yaml/resolver.py, unchanged since 2006), by first character,
    in the order PyYAML tries them."""
    table: dict[str, list[tuple[str, Any]]] = {}
    for tag, pattern, first in [
        (BOOL_TAG, r"""^(?:yes|Yes|YES|no|No|NO
                    |true|True|TRUE|false|False|FALSE
                    |on|On|ON|off|Off|OFF)$""", "yYnNtTfFoO"),
        (FLOAT_TAG, r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
        (INT_TAG, r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$""", "-+0123456789"),
        (MERGE_TAG, r"^(?:<<)$", "<"),
        (NULL_TAG, r"""^(?: ~
                    |null|Null|NULL
                    | )$""", "~nN"),
        (TS_TAG, r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
                    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
                     (?:[Tt]|[ \t]+)[0-9][0-9]?
                     :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
                     (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", "0123456789"),
        (_T + "value", r"^(?:=)$", "="),
        (_T + "yaml", r"^(?:!|&|\*)$", "!&*"),
    ]:
        match = re.compile(pattern, re.X).match
        for ch in first:
            table.setdefault(ch, []).append((tag, match))
        if tag == NULL_TAG:
            table.setdefault("", []).append((tag, match))  # the empty scalar
    return table


# Plain scalars repeat (keys, currencies, models): their resolved tag is remembered across files.
_TAG_MEMO: dict[str, str] = {}
_TAG_MEMO_MAX = 200_000


@lru_cache(maxsize=1)
def _loader_class() -> type:
    """PyYAML's safe loader (libyaml when present) with a cheaper tag resolver. The composer asks
    the resolver for the tag of every node, from C into Python; PyYAML's resolver tries its regular
    expressions and path resolvers on each call, a quarter of the parse. A plain scalar's implicit tag
    depends on its text alone (this loader has no path resolvers), so it is memoized by text; every
    other node gets exactly what PyYAML's own ``resolve`` returns."""
    import yaml
    from yaml.nodes import ScalarNode

    base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolve_uncached = base.resolve
    memo, memo_max = _TAG_MEMO, _TAG_MEMO_MAX

    class _Loader(base):  # type: ignore[misc]
        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is ScalarNode and implicit[0]:
                tag = memo.get(value)
                if tag is None:
                    tag = resolve_uncached(self, kind, value, implicit)
                    if len(memo) >= memo_max:
                        memo.clear()
                    memo[value] = tag
                return tag
            return resolve_uncached(self, kind, value, implicit)  # type: ignore[no-any-return]

        if not base.yaml_path_resolvers:  # nothing to track per path: skip the calls
            def descend_resolver(self, current_node: Any, current_index: Any) -> None:
                return None

            def ascend_resolver(self) -> None:
                return None

    return _Loader


def _one_line(s: str) -> str:
    return " ".join(s.split())


def _syntax_finding(exc: Any, file: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    col = mark.column + 1 if mark else 1
    problem = exc.problem or "syntax error"
    lines = text.splitlines()
    src_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in problem or "'\\t'" in problem or (mark and src_line[: max(col - 1, 0) + 1].strip(" ") == "\t"):
        return _diag("PB001", "yaml-syntax", "tab character used for indentation; YAML indents with spaces",
                     file, line, col, fix="replace the tab with spaces")
    msg = problem
    if exc.context:
        msg = f"{exc.context}: {problem}"
    return _diag("PB001", "yaml-syntax", f"YAML syntax error: {_one_line(msg)}", file, line, col)


class _TooLarge(Exception):
    pass


class _Constructor:
    def __init__(self, file: str) -> None:
        self.file = file
        self.raw_positions: dict[CatalogPath, tuple[str, int, int]] = {}
        self.diagnostics: list[Diagnostic] = []
        self._active: set[int] = set()
        # Equal texts and numbers become one shared object: keys such as 'model' and amounts such
        # as "0.002" repeat tens of thousands of times in a large catalog. Sharing makes the parse
        # cache smaller and faster to read (pickle writes a repeated object once) and dictionary
        # lookups cheaper (an identical key compares by identity).
        self._shared: dict[Any, Any] = {}

    def run(self, root: Any, check_aliases: bool = True) -> ParsedYaml:
        budget = self._check_expansion(root) if check_aliases else None
        if budget is not None:
            return ParsedYaml(None, diagnostics=[budget], ok=False)
        try:
            data = self.build(root, ())
        except RecursionError:
            return ParsedYaml(None, diagnostics=[self._at("PB001", "yaml-syntax",
                                                          "document is nested too deeply", root)], ok=False)
        return ParsedYaml(data, PositionMap(self.raw_positions), self.diagnostics,
                          ok=not any(d.severity == "error" for d in self.diagnostics))

    def _pos(self, node: Any) -> Position:
        m = node.start_mark
        return Position(self.file, m.line + 1, m.column + 1)

    def _raw(self, node: Any) -> tuple[str, int, int]:
        m = node.start_mark
        return (self.file, m.line + 1, m.column + 1)

    def _at(self, rule: str, name: str, message: str, node: Any, fix: str | None = None) -> Diagnostic:
        p = self._pos(node)
        return _diag(rule, name, message, self.file, p.line, p.column, fix)

    def _check_expansion(self, root: Any) -> Diagnostic | None:
        """Refuse alias bombs by counting the expanded size with memoization (cheap even for
        a billion-laughs file, whose distinct nodes are few)."""
        import yaml

        sizes: dict[int, int] = {}
        distinct = 0
        stack: list[tuple[Any, bool]] = [(root, False)]
        on_path: set[int] = set()
        while stack:
            node, done = stack.pop()
            key = id(node)
            if done:
                on_path.discard(key)
                if isinstance(node, yaml.MappingNode):
                    total = 1 + sum(sizes.get(id(k), 1) + sizes.get(id(v), 1) for k, v in node.value)
                elif isinstance(node, yaml.SequenceNode):
                    total = 1 + sum(sizes.get(id(v), 1) for v in node.value)
                else:
                    total = 1
                sizes[key] = min(total, 1 << 62)
                continue
            if key in sizes:
                continue
            if key in on_path:
                return self._at("PB006", "alias-recursive", "recursive alias: a node contains itself", node)
            distinct += 1
            on_path.add(key)
            stack.append((node, True))
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    stack.append((v, False))
                    stack.append((k, False))
            elif isinstance(node, yaml.SequenceNode):
                for v in node.value:
                    stack.append((v, False))
        expanded = sizes.get(id(root), 1)
        if expanded > 3 * distinct + ALIAS_EXPANSION_ALLOWANCE:
            return self._at("PB006", "alias-expansion",
                            f"aliases expand this document to {expanded:,} nodes from {distinct:,} "
                            "(a 'billion laughs' file?); refusing to expand it", root,
                            fix="use fewer nested aliases")
        return None

    def build(self, node: Any, path: CatalogPath) -> Any:
        import yaml

        if type(node) is yaml.ScalarNode or isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        key = id(node)
        if key in self._active:
            self.diagnostics.append(self._at("PB006", "alias-recursive",
                                             "recursive alias: a node contains itself", node))
            return None
        self._active.add(key)
        try:
            if node.tag != (SEQ_TAG if isinstance(node, yaml.SequenceNode) else MAP_TAG):
                # ``!!set``, ``!!omap``, ``!!python/...``: built as the plain collection, but reported
                # as a scalar's tag is (no tag, ``!`` and ``!!map``/``!!seq`` resolve to MAP/SEQ_TAG)
                self._unsupported_tag(node)
            if isinstance(node, yaml.SequenceNode):
                out_list: list[Any] = []
                for i, item in enumerate(node.value):
                    p = (*path, i)
                    self.raw_positions[p] = self._raw(item)
                    out_list.append(self.build(item, p))
                return out_list
            return self.mapping(node, path)
        finally:
            self._active.discard(key)

    def mapping(self, node: Any, path: CatalogPath) -> dict[str, Any]:
        import yaml

        scalar_node = yaml.ScalarNode
        raw, file, scalar = self.raw_positions, self.file, self.scalar
        shared = self._shared
        out: dict[str, Any] = {}
        merges: list[Any] = []
        for knode, vnode in node.value:
            if type(knode) is scalar_node and knode.tag != MERGE_TAG:
                k, tag = knode.value, knode.tag
                if tag not in _KNOWN_SCALAR_TAGS and _scalar_value(tag, k, knode.style) is _UNSUPPORTED:
                    self._unsupported_tag(knode)  # the key is kept as its text, as a value's would be
                if k not in out:
                    k = shared.setdefault(k, k)
                    p = (*path, k)
                    m = knode.start_mark
                    raw[p] = (file, m.line + 1, m.column + 1)
                    if type(vnode) is scalar_node:
                        # the common case, inlined: a plain key with a text value (a large catalog
                        # has hundreds of thousands of these)
                        if vnode.tag == STR_TAG:
                            v = vnode.value
                            out[k] = shared.setdefault(v, v)
                        else:
                            out[k] = scalar(vnode)
                    else:
                        out[k] = self.build(vnode, p)
                    continue
                first = raw[(*path, k)]
                self.diagnostics.append(self._at(
                    "PB002", "duplicate-key",
                    f"duplicate key '{k}' (first defined at line {first[1]}); YAML keeps only one of them",
                    knode, fix="remove or rename one of the two"))
                continue
            if isinstance(knode, yaml.ScalarNode) and knode.tag == MERGE_TAG:
                merges.append(vnode)
                continue
            self.diagnostics.append(self._at("PB001", "yaml-syntax",
                                             "a mapping key must be a plain value, not a collection", knode))
        for m in merges:
            sources = m.value if isinstance(m, yaml.SequenceNode) else [m]
            for src in sources:
                if not isinstance(src, yaml.MappingNode):
                    self.diagnostics.append(self._at("PB001", "yaml-syntax",
                                                     "a merge key '<<' takes a mapping or a list of mappings",
                                                     src))
                    continue
                merged = self.build(src, path)
                if isinstance(merged, dict):
                    for k, v in merged.items():
                        out.setdefault(k, v)
        return out

    def _unsupported_tag(self, node: Any) -> None:
        self.diagnostics.append(self._at("PB009", "unsupported-tag", f"unsupported YAML tag '{node.tag}'",
                                         node, fix="remove the tag; catalog values are plain"))

    def scalar(self, node: Any) -> Any:
        tag, text = node.tag, node.value
        value = _scalar_value(tag, text, node.style)
        if value is _UNSUPPORTED:
            self._unsupported_tag(node)
            return text
        if type(value) is Decimal:
            number = self._shared.get(("n", text))
            if number is None:
                number = self._shared[("n", text)] = value
            return number
        return value


_UNSUPPORTED = object()


def _scalar_value(tag: str, text: str, style: str | None) -> Any:
    """A scalar's value from its resolved tag, text and style (``_UNSUPPORTED`` for a tag that
    catalogs do not use)."""
    # quoted or block scalars are strings whatever they look like (plain: None or '')
    if style and (tag in (STR_TAG, "!") or tag.startswith(_T)):
        if tag in (INT_TAG, FLOAT_TAG):  # explicit !!float "0.1"
            return _number(text)
        return text
    if tag in (INT_TAG, FLOAT_TAG):
        return _number(text)
    if tag == BOOL_TAG:
        low = text.lower()
        return low == "true" if low in ("true", "false") else text
    if tag == NULL_TAG:
        return None
    if tag in _KNOWN_SCALAR_TAGS or tag == "!":
        return text
    return _UNSUPPORTED


def _number(text: str) -> Decimal | str:
    """A YAML number becomes the Decimal of its source text; anything not a finite decimal (``.inf``,
    ``.nan``, ``0x1F``, ``1:30``) stays text, for the schema to report."""
    t = text.replace("_", "")
    if not _FINITE.fullmatch(t):
        return text
    try:
        d = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return text
    return d if _in_range(d) else text


def parse_decimal(value: Any) -> Decimal | None:
    """A number from the catalog: a Decimal from YAML or a string such as ``"0.0004"`` / ``"1e-7"``.
    Returns None for anything that is not a finite decimal (booleans included), for text that is not
    a plain decimal (``"4_9"``, ``" 49.00 "``: see ``is_plain_decimal``) and for a number out of range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() and _in_range(value) else None
    if isinstance(value, int):
        return Decimal(value) if _in_range(Decimal(value)) else None
    if isinstance(value, str) and _FINITE.fullmatch(value):
        d = Decimal(value)
        return d if _in_range(d) else None
    return None


def is_plain_decimal(text: str) -> bool:
    """Whether ``text`` is written as a plain decimal: an optional sign, digits, an optional fraction
    and an optional exponent (``"49.00"``, ``"-0.5"``, ``".5"``, ``"1e-7"``). Not ``"4_9"`` or
    ``" 49.00 "``, which ``Decimal()`` would quietly accept, nor ``"NaN"`` or ``"Infinity"``."""
    return _FINITE.fullmatch(text) is not None


def in_range(d: Decimal) -> bool:
    """Whether ``d`` is zero or within the range amounts and quantities live in (``RANGE_TEXT``)."""
    return not d or _in_range(d)


# Amounts and quantities live far inside this range; outside it, 1e999999999 would make a plain-notation
# dump a billion characters long and DECIMAL(38, s) in DuckDB overflow.
MAX_ADJUSTED_EXPONENT = 24
MIN_ADJUSTED_EXPONENT = -18
RANGE_TEXT = "1e-18 .. 1e24"


def _in_range(d: Decimal) -> bool:
    return MIN_ADJUSTED_EXPONENT <= d.adjusted() <= MAX_ADJUSTED_EXPONENT
