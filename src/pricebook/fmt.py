"""``fmt`` as a function: rewrite catalog files in one canonical layout, keeping every comment.

The layout: two-space indentation, sequences indented under their key, ``null`` written out, money
values as quoted decimal strings (taken from the source text, so ``0.10`` stays ``"0.10"``), and a
fixed key order inside price specs (``PRICE_KEY_ORDER``). Everything else — key order of entities,
flow or block style, quoting of other strings, comments — is kept as written (ruamel.yaml round-trip).

A file that does not parse is not touched: its findings are returned and nothing is written. A file
whose new layout would lose a comment (ruamel drops a comment inside a flow mapping written over
several lines, ``{a: 1,  # why`` then the rest on the next line) is kept as written and named in
``FmtResult.kept``: fmt never loses a comment.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.diagnostics import Diagnostic

PRICE_KEY_ORDER = ("model", "amount", "unit_price", "included", "tiers", "package_size", "package_price",
                   "rounding", "percent", "fixed_fee", "min", "max", "dimensions")
PRICE_MONEY_KEYS = frozenset({"amount", "unit_price", "package_price", "fixed_fee", "min", "max"})
TIER_MONEY_KEYS = frozenset({"unit_price", "flat_fee"})
PLAN_MONEY_KEYS = frozenset({"minimum", "credit"})
SKU_MONEY_KEYS = frozenset({"unit_cost"})
# Never re-wrap a long line: that is a change the author did not ask for. Writers of catalog YAML
# (the importer) emit at this width too, so what they write is already in this layout.
LINE_WIDTH = 4096
_NUMBER = re.compile(r"[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class FmtResult:
    """What ``format_catalog`` found: the files it read, those whose layout changes (written unless
    ``check``), and parse findings of files it refused to touch."""

    files: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # (file, line, comment): files kept as written, since their new layout would lose that comment
    kept: list[tuple[str, int, str]] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return bool(self.diagnostics)


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    y.width = LINE_WIDTH
    y.representer.add_representer(
        type(None), lambda r, _d: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    return y


def format_text(text: str) -> str:
    """The canonical layout of one catalog file's text (which must parse). A file written with CRLF
    line endings keeps them, every one (ruamel writes LF and kept the CR of comments: mixed endings)."""
    crlf = "\r\n" in text
    if crlf:
        text = text.replace("\r\n", "\n")
    y = _yaml()
    data = y.load(text)
    if data is None:
        out_text = text
    else:
        lines = text.splitlines()
        _Canon(lines).top(data)
        out = io.StringIO()
        y.dump(data, out)
        out_text = out.getvalue()
    return out_text.replace("\n", "\r\n") if crlf else out_text


class _Canon:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def top(self, data: Any) -> None:
        if not _is_map(data):
            return
        for coll in ("plans", "add_ons"):
            for owner in _values(data.get(coll)):
                if not _is_map(owner):
                    continue
                for sku in list(_keys(owner.get("prices"))):
                    self.price(owner["prices"], sku)
                if coll == "plans":
                    for key in PLAN_MONEY_KEYS:
                        if key in owner:
                            self.money(owner, key)
        for sku in _values(data.get("skus")):
            if _is_map(sku):
                for key in SKU_MONEY_KEYS:
                    if key in sku:
                        self.money(sku, key)

    def price(self, parent: Any, key: Any) -> None:
        spec = parent[key]
        if not _is_map(spec):
            return
        _reorder(spec, PRICE_KEY_ORDER)
        for k in list(spec):
            if k in PRICE_MONEY_KEYS:
                self.money(spec, k)
        tiers = spec.get("tiers")
        if isinstance(tiers, list):
            for tier in tiers:
                if _is_map(tier):
                    _reorder(tier, ("up_to", "unit_price", "flat_fee"))
                    for k in list(tier):
                        if k in TIER_MONEY_KEYS:
                            self.money(tier, k)
        for values in _values(spec.get("dimensions")):
            if _is_map(values):
                for val in list(values):
                    self.price(values, val)

    def money(self, parent: Any, key: Any) -> None:
        value = parent[key]
        if _is_map(value):
            for cur in list(value):
                self.money(value, cur)
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        from ruamel.yaml.scalarstring import DoubleQuotedScalarString

        parent[key] = DoubleQuotedScalarString(self.source_number(parent, key, value))

    def source_number(self, parent: Any, key: Any, value: Any) -> str:
        """The number exactly as written (a float would turn 0.10 into 0.1 and 1e-7 into 1e-07)."""
        try:
            line, col = parent.lc.value(key)
            m = _NUMBER.match(self.lines[line], col)
        except (AttributeError, IndexError, KeyError, TypeError):
            m = None
        if m is not None:
            return m.group(0).replace("_", "")
        from decimal import Decimal

        return format(Decimal(str(value)), "f")


def _is_map(v: Any) -> bool:
    from collections.abc import MutableMapping

    return isinstance(v, MutableMapping)


def _keys(v: Any) -> list[Any]:
    return list(v) if _is_map(v) else []


def _values(v: Any) -> list[Any]:
    return list(v.values()) if _is_map(v) else []


def _reorder(m: Any, order: Sequence[str]) -> None:
    """Move known keys into ``order``, unknown keys after them in their own order.

    A comment on a key's own line moves with the key. A comment on lines of its own does not:
    ruamel keeps the lines before a key with the key above it (and the lines before the first key
    with the mapping, those after the last with the last key, even a comment that belongs to the
    next key one level up), so moving keys would put it above the wrong one. A mapping holding such
    a comment keeps its order: a layout left as written, never a comment moved to the wrong key.
    """
    rank = {k: i for i, k in enumerate(order)}
    current = list(m)
    wanted = sorted(current, key=lambda k: (rank.get(k, len(order)), current.index(k)))
    if wanted == current or _has_line_comments(m):
        return
    for k in wanted:
        m.move_to_end(k)


def _has_line_comments(m: Any) -> bool:
    """Whether a comment of ``m`` stands on lines of its own (before a key, or after the last)."""
    ca = getattr(m, "ca", None)
    if ca is None:
        return False
    if ca.comment and len(ca.comment) > 1 and ca.comment[1]:
        return True
    for slots in ca.items.values():
        token = slots[2] if len(slots) > 2 else None
        if token is not None and "#" in token.value.partition("\n")[2]:
            return True
    return False


def _scan(text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """One pass of ruamel.yaml's scanner over ``text`` (which must parse): its comments as (index,
    line, text), and the (start, end) index of every flow collection (``{...}``, ``[...]``) written
    over several lines.

    A comment is a ``#`` at the start of a line or after a space or tab, outside every scalar (the
    scanner gives the scalars' spans, so a ``#`` inside a quoted or block scalar is not one), up to the
    end of its line."""
    from ruamel.yaml import YAML
    from ruamel.yaml.tokens import (
        FlowMappingEndToken,
        FlowMappingStartToken,
        FlowSequenceEndToken,
        FlowSequenceStartToken,
        ScalarToken,
    )

    scalars: list[tuple[int, int]] = []
    flows: list[tuple[int, int]] = []
    stack: list[Any] = []
    for t in YAML(typ="rt").scan(text):
        if isinstance(t, ScalarToken):
            scalars.append((t.start_mark.index, t.end_mark.index))
        elif isinstance(t, (FlowMappingStartToken, FlowSequenceStartToken)):
            stack.append(t.start_mark)
        elif isinstance(t, (FlowMappingEndToken, FlowSequenceEndToken)) and stack:
            start = stack.pop()
            if t.end_mark.line > start.line:
                flows.append((start.index, t.end_mark.index))
    scalars.sort()
    comments: list[tuple[int, int, str]] = []
    i, k = 0, 0
    while (i := text.find("#", i)) != -1:
        while k < len(scalars) and scalars[k][1] <= i:
            k += 1
        if k < len(scalars) and scalars[k][0] <= i:  # inside a scalar: go on after it
            i = scalars[k][1]
            continue
        if i == 0 or text[i - 1] in " \t\n":
            end = text.find("\n", i)
            end = len(text) if end == -1 else end
            comments.append((i, text.count("\n", 0, i) + 1, text[i:end].rstrip()))
            i = end
        else:
            i += 1
    return comments, flows


def _unsafe_comment(old: str, new: str) -> tuple[int, str] | None:
    """A comment of ``old`` that ``new`` would lose or misplace, as (line, text); None: none.

    ruamel writes a flow collection on one line: a comment inside one written over several lines is
    dropped, or kept at a column that breaks the layout (a flow list of tiers came out with an
    entry's braces gone). So any comment inside such a collection counts, and so does one ``new``
    no longer has anywhere."""
    comments, flows = _scan(old)
    for i, line, c in comments:
        if any(a < i < b for a, b in flows):
            return line, c
    missing = Counter(c for _, _, c in comments) - Counter(c for _, _, c in _scan(new)[0])
    return next(((line, c) for _, line, c in comments if missing[c]), None)


def format_catalog(path: str | Path, check: bool = False) -> FmtResult:
    """Format every catalog file under ``path`` (a folder or one file). With ``check`` nothing is
    written; ``changed`` lists the files that would change. When any file does not parse, nothing
    is written and its findings are returned."""
    from pricebook.errors import InternalError
    from pricebook.fsutil import write_atomic
    from pricebook.load import discover
    from pricebook.load.yamlsrc import parse_yaml

    result = FmtResult()
    plans: list[tuple[Path, str]] = []
    for f in discover(Path(path)):
        result.files.append(f.path)
        parsed = parse_yaml(f.data, f.path)
        if not parsed.ok:
            result.diagnostics.extend(parsed.diagnostics)
            continue
        text = f.data.decode("utf-8-sig")
        new = format_text(text)
        if new != text:
            again = parse_yaml(new.encode("utf-8"), f.path)
            if not again.ok:  # never write a file we would then refuse to read
                raise InternalError(f"fmt produced unparseable YAML for {f.path}: "
                                    f"{again.diagnostics[0].message}")
            lost = _unsafe_comment(text, new)
            if lost is not None:  # never lose or misplace a comment: keep the file as written
                result.kept.append((f.path, *lost))
                continue
            result.changed.append(f.path)
            # a byte order mark stays, as every other byte fmt does not mean to change
            plans.append((Path(f.path), "\ufeff" + new if f.data.startswith(b"\xef\xbb\xbf") else new))
    if result.diagnostics or check:
        return result
    for p, new in plans:
        write_atomic(p, new)
    return result
