"""Readable catalog YAML from plain data: block style for collections, flow style for the small
leaves wrapped in ``Flow`` / ``FlowList`` (a price, a metered entitlement, an id list), decimals as
plain numbers and money as quoted strings (the caller passes money as ``str``).

The text is already in ``pricebook fmt``'s layout, so ``fmt --check`` passes right after an import
(tests/importers/test_fmt_clean.py checks it on real files): lines are never wrapped
(``fmt.LINE_WIDTH``), and the converter builds prices in ``fmt.PRICE_KEY_ORDER``. Passing every file
through ``fmt.format_text`` instead would cost ten times the whole import (ruamel round-trip)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pricebook.fmt import LINE_WIDTH
from pricebook.load.dump import dec


class Flow(dict[str, Any]):
    """A mapping written on one line: ``{model: flat, amount: '49.00'}``."""


class FlowList(list[Any]):
    """A list written on one line: ``[free, pro]``."""


def _dumper() -> type:
    import yaml

    base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class Dumper(base):  # type: ignore[misc, valid-type]
        def ignore_aliases(self, data: Any) -> bool:
            return True  # a plan and its annual twin share values; write them out, never as &anchors

    def decimal(d: Any, value: Decimal) -> Any:
        text = dec(value)
        tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
        return d.represent_scalar(tag, text)

    Dumper.add_representer(Decimal, decimal)
    Dumper.add_representer(Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v,
                                                                  flow_style=True))
    Dumper.add_representer(FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v,
                                                                          flow_style=True))
    return Dumper


_DUMPER: type | None = None


def to_yaml(data: dict[str, Any], header: str = "") -> str:
    """``data`` as YAML text, keys in the given order, prefixed by ``header`` comment lines."""
    import yaml

    global _DUMPER
    if _DUMPER is None:
        _DUMPER = _dumper()
    body: str = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=True,
                     width=LINE_WIDTH, indent=2)
    printable = "".join(c if c.isprintable() or c == "\n" else " " for c in header)  # YAML forbids controls
    lines = "".join(f"# {line}".rstrip() + "\n" for line in printable.splitlines())
    return lines + body
