"""Usage as a person types it (``quote --usage``, ``--usage-file``) -> ``Usage`` for ``rate_plan``.

Forms (SPEC §4):

- ``METER=QTY``: the period's quantity of the meter;
- ``METER[DIM=VALUE]=QTY`` (also ``[D1=V1,D2=V2]``): the quantity of the events with that value;
- ``METER=V1,V2,V3``: the values of single events (the transactions of a percentage price);
- a usage file (YAML or JSON) mapping each meter to a quantity, a list of transaction values, or a
  mapping of ``"DIM=VALUE"`` to quantity.

Entries of one meter combine by the meter's aggregation: added up, or the largest for ``max``. A
list's quantity is its sum (its largest value for a ``max`` meter). For every dimension named in
any entry of a meter, ``by_dimension`` holds each value's quantity, and entries that do not name the
dimension go under ``""`` (no value), so nothing is dropped from the rest line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricebook.diagnostics import describe_value
from pricebook.errors import InputError
from pricebook.model import Catalog, Meter
from pricebook.rating.base import ZERO
from pricebook.rating.engine import NO_VALUE, MeterUsage, Usage, _did_you_mean

_ARG = re.compile(r"^\s*(?P<meter>[^\s\[\]=]+)\s*(?:\[(?P<dims>[^\]]*)\])?\s*=(?P<value>.*)$")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class UsageEntry:
    """One piece of usage: a meter, the dimension values it is for, its values, and where it came from."""

    meter: str
    dims: tuple[tuple[str, str], ...]
    values: tuple[Decimal, ...]
    is_list: bool
    source: str  # for messages: "--usage 'tokens=abc'" or "usage.yaml: tokens"


def parse_number(text: str, where: str, plain: bool = False) -> Decimal:
    """A non-negative decimal from its text (``1_000`` and ``1e6`` allowed); InputError otherwise.

    ``plain`` (the ``quote`` command): the text must be a plain decimal as the catalog writes one
    (no ``_``, no surrounding space: ``load.yamlsrc.is_plain_decimal``) within the range amounts and
    quantities live in (``1e25`` seats would rate, then overflow when printed)."""
    if plain:
        from pricebook.load.yamlsrc import RANGE_TEXT, in_range, is_plain_decimal

        if not is_plain_decimal(text):
            raise InputError(f"{where}: '{text}' is not a number (write a plain decimal: digits with an "
                             "optional sign, fraction and exponent, as in 1000, 2.5 or 1e6)")
        if not in_range(Decimal(text)):
            raise InputError(f"{where}: '{text}' is out of range (quantities stay within {RANGE_TEXT})")
    t = text.strip().replace("_", "")
    if not _NUMBER.fullmatch(t):
        raise InputError(f"{where}: '{text.strip()}' is not a number")
    d = Decimal(t)
    if d < 0:
        raise InputError(f"{where}: quantities cannot be negative ('{text.strip()}')")
    return d


def _dims(text: str | None, where: str) -> tuple[tuple[str, str], ...]:
    if text is None:
        return ()
    out: list[tuple[str, str]] = []
    for part in text.split(","):
        dim, sep, value = part.partition("=")
        if not sep or not dim.strip() or not value.strip():
            raise InputError(f"{where}: expected [DIM=VALUE], got [{text}]")
        out.append((dim.strip(), value.strip()))
    if len({d for d, _ in out}) != len(out):
        raise InputError(f"{where}: a dimension is named twice in [{text}]")
    return tuple(out)


def parse_usage_arg(arg: str, plain: bool = False) -> UsageEntry:
    """One ``--usage`` value: ``METER=QTY``, ``METER[DIM=VALUE]=QTY`` or ``METER=V1,V2,...``
    (``plain``: see ``parse_number``; the space around a value on the command line does not count)."""
    where = f"--usage '{arg}'"
    m = _ARG.match(arg)
    if m is None:
        raise InputError(f"{where}: expected METER=QTY, METER[DIM=VALUE]=QTY or METER=V1,V2,...")
    raw = m.group("value")
    parts = raw.split(",")
    if any(not p.strip() for p in parts):
        raise InputError(f"{where}: a value is missing")
    values = tuple(parse_number(p.strip(), where, plain) for p in parts)
    return UsageEntry(m.group("meter"), _dims(m.group("dims"), where), values, len(parts) > 1, where)


def _file_value(value: Any, where: str, item_at: Any,
                plain: bool = False) -> tuple[tuple[Decimal, ...], bool]:
    if isinstance(value, bool) or value is None:
        raise InputError(f"{where}: expected a quantity or a list of transaction values, "
                         f"got {describe_value(value)}")
    if isinstance(value, list):
        if not value:
            raise InputError(f"{where}: the list of transaction values is empty")
        out: list[Decimal] = []
        for i, v in enumerate(value):
            if isinstance(v, (bool, list, dict)) or v is None:
                raise InputError(f"{item_at(i)}: expected a number, got {describe_value(v)}")
            out.append(parse_number(str(v), item_at(i), plain))
        return tuple(out), True
    if isinstance(value, (int, Decimal, str)):
        return (parse_number(str(value), where, plain),), False
    raise InputError(
        f"{where}: expected a quantity, a list of transaction values or a mapping of "
        f"DIM=VALUE to quantity, got {describe_value(value)}"
    )


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A ``json.loads`` object hook that refuses a key given twice: JSON keeps the last silently, so
    ``{"seats": 8, "seats": 20}`` billed 20 seats where YAML's duplicate key is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _parse_json_as_yaml(data: bytes, path: Path) -> Any:
    """A JSON usage file read by the YAML parser (JSON is YAML's flow style), for the line and column
    of each key in error messages; the values are ``json``'s. Its positions are empty where that
    parser does not follow the text (the messages then name the file and the key path alone)."""
    from pricebook.load.yamlsrc import parse_yaml

    return parse_yaml(data, str(path))


def read_usage_file(path: Path, plain: bool = False) -> list[UsageEntry]:
    """The entries of a usage file (YAML or JSON): meter -> quantity | [values] | {"DIM=VALUE": qty}
    (``plain``: see ``parse_number``)."""
    try:
        data_bytes = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read usage file {path}: {exc.strerror or exc}") from exc
    positions: Mapping[Any, Any] = {}
    if path.suffix.lower() == ".json":
        import json

        try:
            data = json.loads(data_bytes.decode("utf-8-sig"), parse_float=Decimal, parse_int=Decimal,
                              object_pairs_hook=_unique_keys)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{path}: usage file is not valid JSON: {exc}") from exc
        except _DuplicateKey as dup:
            where = next((d.location for d in _parse_json_as_yaml(data_bytes, path).diagnostics
                          if "duplicate key" in d.message), str(path))
            raise InputError(f"{where}: duplicate key '{dup.key}': a meter (or dimension value) is given "
                             "once; add the quantities up or list the transaction values") from None
        parsed_json = _parse_json_as_yaml(data_bytes, path)
        positions = parsed_json.positions if parsed_json.ok else {}
    else:
        from pricebook.load.yamlsrc import parse_yaml

        parsed = parse_yaml(data_bytes, str(path))
        if not parsed.ok or parsed.diagnostics:
            d = parsed.diagnostics[0]
            raise InputError(f"{d.location}: {d.message}")
        data = parsed.data
        positions = parsed.positions
    if data is None:
        return []
    if not isinstance(data, dict):
        raise InputError(f"{path}: a usage file maps each meter to its usage, "
                         f"got {describe_value(data)}")

    def at(*keys: Any) -> str:
        pos = positions.get(tuple(keys))
        name = str(keys[0]) + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys[1:])
        return f"{pos}: {name}" if pos is not None else f"{path}: {name}"

    out: list[UsageEntry] = []
    for meter, value in data.items():
        where = at(meter)
        if isinstance(value, dict):
            for key, qty in value.items():
                sub = at(meter, key)
                dims = _dims(str(key), sub)
                vals, is_list = _file_value(qty, sub, lambda i, m=meter, k=key: at(m, k, i), plain)
                out.append(UsageEntry(str(meter), dims, vals, is_list, sub))
        else:
            vals, is_list = _file_value(value, where, lambda i, m=meter: at(m, i), plain)
            out.append(UsageEntry(str(meter), (), vals, is_list, where))
    return out


def _combine(meter: Meter, values: Sequence[Decimal]) -> Decimal:
    if meter.aggregation == "max":
        return max(values, default=ZERO)
    return sum(values, ZERO)


def build_usage(catalog: Catalog, entries: Sequence[UsageEntry]) -> Usage:
    """Group entries by meter into ``MeterUsage`` (see the module docstring for how they combine).

    Raises InputError for an unknown meter (with a did-you-mean), a dimension the meter does not
    have, or the same meter and dimension values given twice.
    """
    by_meter: dict[str, list[UsageEntry]] = {}
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
    for e in entries:
        meter = catalog.meters.get(e.meter)
        if meter is None:
            hint = _did_you_mean(e.meter, list(catalog.meters)) or f" (meters: {', '.join(catalog.meters)})"
            raise InputError(f"{e.source}: unknown meter '{e.meter}'{hint}")
        for dim, _ in e.dims:
            if dim not in meter.dimensions:
                have = ", ".join(meter.dimensions) or "none"
                raise InputError(
                    f"{e.source}: meter '{e.meter}' has no dimension '{dim}' (dimensions: {have})"
                )
        key = (e.meter, tuple(sorted(e.dims)))
        if key in seen:
            raise InputError(
                f"{e.source}: usage of the same meter and dimension values is also given by {seen[key]}"
            )
        seen[key] = e.source
        by_meter.setdefault(e.meter, []).append(e)
    usage: dict[str, MeterUsage] = {}
    for meter_id, es in by_meter.items():
        meter = catalog.meters[meter_id]
        per_entry = [_combine(meter, e.values) for e in es]
        by_dim: dict[str, dict[str, Decimal]] = {}
        for dim in sorted({d for e in es for d, _ in e.dims}):
            groups: dict[str, list[Decimal]] = {}
            for e, q in zip(es, per_entry, strict=True):
                groups.setdefault(dict(e.dims).get(dim, NO_VALUE), []).append(q)
            by_dim[dim] = {v: _combine(meter, qs) for v, qs in groups.items()}
        txns = tuple(v for e in es for v in e.values)
        usage[meter_id] = MeterUsage(_combine(meter, per_entry), by_dim, txns)
    return usage


def usage_from_inputs(catalog: Catalog, args: Sequence[str], files: Sequence[Path] = (),
                      plain: bool = False) -> Usage:
    """``--usage`` values and ``--usage-file`` files -> Usage (files first, then the arguments;
    ``plain``: see ``parse_number``)."""
    entries: list[UsageEntry] = []
    for f in files:
        entries += read_usage_file(f, plain)
    entries += [parse_usage_arg(a, plain) for a in args]
    return build_usage(catalog, entries)


def usage_to_data(usage: Mapping[str, MeterUsage]) -> dict[str, Any]:
    """Usage as plain data, for JSON output (what was rated)."""
    from pricebook.load.dump import dec

    out: dict[str, Any] = {}
    for meter, mu in usage.items():
        item: dict[str, Any] = {"quantity": dec(mu.quantity)}
        if mu.by_dimension:
            item["by_dimension"] = {
                d: {v: dec(q) for v, q in vals.items()} for d, vals in mu.by_dimension.items()
            }
        if len(mu.transactions) > 1:
            item["transactions"] = [dec(t) for t in mu.transactions]
        out[meter] = item
    return out
