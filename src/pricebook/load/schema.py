"""The JSON Schema for catalog files, and its findings with positions and did-you-mean hints."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from pricebook.diagnostics import CatalogPath, Diagnostic, Position

SCHEMA_FILES = ("catalog.schema.json",)


def schema_text(name: str = "catalog.schema.json") -> str:
    """The text of a shipped schema (inside the wheel, under ``pricebook/schemas``)."""
    return resources.files("pricebook").joinpath("schemas", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def catalog_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(schema_text())
    return data


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    cls = jsonschema.validators.validator_for(catalog_schema())
    return cls(catalog_schema())


@lru_cache(maxsize=1)
def _fast_validator() -> Any:
    return compile_schema(catalog_schema())


def compile_schema(schema: dict[str, Any]) -> Any:
    """Compile a JSON Schema into a predicate ``f(instance) -> bool``.

    Covers the keywords pricebook's schemas use (type, enum, const, pattern, properties,
    additionalProperties, required, propertyNames, items, minItems, minProperties, anyOf, allOf,
    if/then/else, local ``$ref``); any other validation keyword makes it raise ``ValueError`` so a
    schema change cannot silently weaken validation. Numbers include ``Decimal`` (the loader's
    numbers), as in jsonschema. Test: ``tests/load/test_properties.py`` checks it agrees with
    jsonschema on generated documents.
    """
    import re
    from collections.abc import Mapping
    from decimal import Decimal

    annotations = {"$schema", "$id", "title", "description", "x-message", "examples", "$comment", "default"}
    compiled: dict[str, Any] = {}

    def is_type(name: str, x: Any) -> bool:
        if name == "object":
            return isinstance(x, dict) or isinstance(x, Mapping)  # noqa: SIM101 - dict first: abc is slow
        if name == "array":
            return isinstance(x, list)
        if name == "string":
            return isinstance(x, str)
        if name == "number":
            return isinstance(x, (int, float, Decimal)) and not isinstance(x, bool)
        if name == "integer":
            return (isinstance(x, int) and not isinstance(x, bool)) or (
                isinstance(x, (float, Decimal)) and x == x and x == int(x))
        if name == "boolean":
            return isinstance(x, bool)
        if name == "null":
            return x is None
        raise ValueError(f"unknown type {name!r}")

    classes = {"object": (dict, Mapping), "array": (list,), "string": (str,), "number": (int, float, Decimal),
               "boolean": (bool,), "null": (type(None),)}

    def type_check(types: tuple[str, ...]) -> Any:
        """One isinstance over a tuple of classes instead of a call per type name."""
        if any(t not in classes for t in types):
            return lambda x: any(is_type(n, x) for n in types)
        cls = tuple(c for t in types for c in classes[t])
        if "number" in types and "boolean" not in types:
            return lambda x: isinstance(x, cls) and not isinstance(x, bool)
        return lambda x: isinstance(x, cls)

    def discriminated(branches: list[Any]) -> Any:
        """``allOf`` of ``if {properties: {K: {const: V}}, required: [K]} then S`` (a tagged union such
        as the price models) becomes one dict lookup on the tag instead of one ``if`` per branch."""
        table: dict[Any, Any] = {}
        tag = None
        for b in branches:
            cond = b.get("if") if isinstance(b, dict) else None
            if not (isinstance(cond, dict) and set(b) == {"if", "then"}
                    and set(cond) == {"properties", "required"}):
                return None
            props = cond["properties"]
            if len(props) != 1 or cond["required"] != list(props):
                return None
            (key, sub), = props.items()
            if set(sub) != {"const"} or not isinstance(sub["const"], str) or (tag is not None and key != tag):
                return None
            tag = key
            table[sub["const"]] = comp(b["then"])

        def check(x: Any) -> bool:
            if not (isinstance(x, dict) or isinstance(x, Mapping)):  # noqa: SIM101
                return True
            value = x.get(tag)
            f = table.get(value) if isinstance(value, str) else None
            return True if f is None else bool(f(x))

        return check

    def ref(target: str) -> Any:
        if not target.startswith("#/"):
            raise ValueError(f"only local $ref is supported, not {target!r}")

        resolved: list[Any] = []  # compiled on first use: a schema may refer to itself

        def check(x: Any) -> bool:
            if not resolved:
                fn = compiled.get(target)
                if fn is None:
                    node: Any = schema
                    for part in target[2:].split("/"):
                        node = node[part]
                    fn = compiled[target] = comp(node)
                resolved.append(fn)
            return bool(resolved[0](x))

        return check

    def comp(s: Any) -> Any:
        if s is True:
            return lambda x: True
        if s is False:
            return lambda x: False
        unknown = set(s) - annotations - {
            "type", "enum", "const", "pattern", "properties", "additionalProperties", "required",
            "propertyNames", "items", "minItems", "minProperties", "anyOf", "allOf", "if", "then", "else",
            "$ref", "$defs"}
        if unknown:
            raise ValueError(f"compile_schema does not support {sorted(unknown)}")
        checks: list[Any] = []
        if "type" in s:
            types = s["type"] if isinstance(s["type"], list) else [s["type"]]
            checks.append(type_check(tuple(types)))
        if "enum" in s:
            choices = s["enum"]
            checks.append(lambda x, c=choices: any(_json_equal(x, v) for v in c))
        if "const" in s:
            checks.append(lambda x, c=s["const"]: _json_equal(x, c))
        if "pattern" in s:
            search = re.compile(s["pattern"]).search
            checks.append(lambda x, f=search: not isinstance(x, str) or f(x) is not None)
        obj: list[Any] = []
        props = {k: comp(v) for k, v in s.get("properties", {}).items()}
        addl = comp(s["additionalProperties"]) if "additionalProperties" in s else None
        if props or addl is not None:
            def properties(x: Mapping[str, Any], props: dict[str, Any] = props, addl: Any = addl) -> bool:
                for k, v in x.items():
                    f = props.get(k)
                    if f is not None:
                        if not f(v):
                            return False
                    elif addl is not None and not addl(v):
                        return False
                return True
            obj.append(properties)
        if "required" in s:
            def required(x: Mapping[str, Any], r: tuple[str, ...] = tuple(s["required"])) -> bool:
                for k in r:  # noqa: SIM110 - no generator per call
                    if k not in x:
                        return False
                return True
            obj.append(required)
        if "propertyNames" in s:
            names = comp(s["propertyNames"])
            obj.append(lambda x, f=names: all(f(k) for k in x))
        if "minProperties" in s:
            obj.append(lambda x, n=s["minProperties"]: len(x) >= n)
        if obj:
            obj_all = _all_of(tuple(obj))
            checks.append(lambda x, f=obj_all: not (isinstance(x, dict) or isinstance(x, Mapping))  # noqa: SIM101
                          or f(x))
        arr: list[Any] = []
        if "items" in s:
            item = comp(s["items"])
            def items(x: list[Any], f: Any = item) -> bool:
                for v in x:  # noqa: SIM110 - no generator per call
                    if not f(v):
                        return False
                return True
            arr.append(items)
        if "minItems" in s:
            arr.append(lambda x, n=s["minItems"]: len(x) >= n)
        if arr:
            arr_all = _all_of(tuple(arr))
            checks.append(lambda x, f=arr_all: not isinstance(x, list) or f(x))
        if "anyOf" in s:
            checks.append(_any_of(tuple(comp(b) for b in s["anyOf"])))
        if "allOf" in s:
            dispatch = discriminated(s["allOf"])
            if dispatch is not None:
                checks.append(dispatch)
            else:
                checks.append(_all_of(tuple(comp(b) for b in s["allOf"])))
        if "if" in s:
            cond = comp(s["if"])
            then = comp(s.get("then", True))
            other = comp(s.get("else", True))
            checks.append(lambda x, c=cond, t=then, e=other: t(x) if c(x) else e(x))
        if "$ref" in s:
            checks.append(ref(s["$ref"]))
        if not checks:
            return lambda x: True
        return _all_of(tuple(checks))

    return comp(schema)


# ``all``/``any`` over a generator cost a generator per call; a large catalog makes millions of calls.
def _all_of(fs: tuple[Any, ...]) -> Any:
    if len(fs) == 1:
        return fs[0]
    if len(fs) == 2:
        f, g = fs
        return lambda x: bool(f(x)) and bool(g(x))

    def check(x: Any) -> bool:
        for f in fs:  # noqa: SIM110 - no generator per call
            if not f(x):
                return False
        return True

    return check


def _any_of(fs: tuple[Any, ...]) -> Any:
    def check(x: Any) -> bool:
        for f in fs:  # noqa: SIM110 - no generator per call
            if f(x):
                return True
        return False

    return check


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers (``True != 1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _walk_errors(errors: Any) -> Any:
    """Flatten if/then and anyOf wrappers so each finding names the exact node that is wrong."""
    for err in errors:
        if err.validator == "anyOf" and err.context:
            # nullable(x): report the non-null branch's errors, which say what was expected
            non_null = [e for e in err.context if e.validator != "type" or e.validator_value != "null"]
            yield from _walk_errors(non_null or [err])
        else:
            yield err


def schema_findings(data: Any, file: str, positions: Mapping[CatalogPath, Position]) -> list[Diagnostic]:
    """Validate one file's data. Every error becomes a finding at the node it is about.

    A compiled fast path decides validity first; jsonschema runs only on a file that is invalid, to
    explain its errors (it is about fifty times slower on a large valid catalog)."""
    if _fast_validator()(data):
        return []
    out: list[Diagnostic] = []
    errors = list(_walk_errors(_validator().iter_errors(data)))
    typos: set[tuple[CatalogPath, str]] = set()  # (mapping, the key a typo there probably meant)
    for err in errors:
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list(err.schema.get("properties", {}))
            for key in err.instance:
                if key not in allowed:
                    typos.update((tuple(err.absolute_path), m)
                                 for m in difflib.get_close_matches(key, allowed, n=1, cutoff=0.6))
    for err in errors:
        path: CatalogPath = tuple(err.absolute_path)
        if "propertyNames" in err.schema_path and isinstance(err.instance, str):
            path = (*path, err.instance)  # the finding is about the key itself
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = list(err.schema.get("properties", {}))
            unknown = [k for k in err.instance if k not in allowed]
            if allowed:
                for key in unknown:
                    out.append(_unknown_key(key, allowed, file, (*path, key), positions))
                continue
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [k for k in err.validator_value if k not in err.instance]
            if missing and all((path, k) in typos for k in missing):
                continue  # "unknown key 'unti_price' — did you mean 'unit_price'?" already says it
        message = _message(err)
        pos = _locate(positions, path) or Position(file, 1, 1)
        out.append(Diagnostic.at("PB020", "error", message, pos, path, name="schema"))
    return out


def _unknown_key(key: str, allowed: list[str], file: str, path: CatalogPath,
                 positions: Mapping[CatalogPath, Position]) -> Diagnostic:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    fix = f"rename '{key}' to '{close[0]}'" if close else f"valid keys here: {', '.join(sorted(allowed))}"
    pos = _locate(positions, path) or Position(file, 1, 1)
    return Diagnostic.at("PB021", "error", f"unknown key '{key}'{hint}", pos, path, fix=fix,
                         name="unknown-key")


def _locate(positions: Mapping[CatalogPath, Position], path: CatalogPath) -> Position | None:
    p = path
    while True:
        if p in positions:
            return positions[p]
        if not p:
            return None
        p = p[:-1]


def _message(err: Any) -> str:
    custom = err.schema.get("x-message") if isinstance(err.schema, dict) else None
    inst = err.instance
    shown = _show(inst)
    if err.validator in ("pattern", "type") and custom:
        return f"{shown} {custom}"
    if err.validator == "propertyNames" or (custom and err.validator == "pattern"):
        return f"{shown} {custom or 'is not a valid key'}"
    if err.validator == "enum":
        return f"{shown} is not one of: {', '.join(str(v) for v in err.validator_value)}"
    if err.validator == "const":
        return f"{shown} must be {err.validator_value!r}"
    if err.validator == "required":
        missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
        return f"missing required key '{missing[0] if missing else err.validator_value[0]}'"
    if err.validator == "type":
        want = err.validator_value
        want_s = " or ".join(want) if isinstance(want, list) else str(want)
        return f"{shown} has the wrong type: expected {want_s.replace('object', 'a mapping').replace('array', 'a list')}"
    if err.validator == "minItems":
        return "list must not be empty"
    if err.validator == "minProperties":
        return "mapping must not be empty"
    return " ".join(str(err.message).split())


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    s = str(value)
    return repr(s if len(s) <= 40 else s[:37] + "...")


def schema_names() -> list[str]:
    """Every JSON Schema shipped with pricebook (``*.schema.json`` under ``pricebook/schemas``)."""
    folder = resources.files("pricebook").joinpath("schemas")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
