"""The JSON Schema for catalog files, and its findings with positions and did-you-mean hints."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from pricebook.diagnostics import CatalogPath, Diagnostic, Position, describe_value, yaml_text

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

    The schema becomes Python source, one function per ``$ref`` target and per branch that must be
    tried on its own (``anyOf``, an ``if``), with every other keyword written out inline as the
    statements a person would write: ``isinstance`` tests, a loop over a mapping's keys with one
    dict lookup per key, ``return False`` at the first failure. A large catalog makes millions of
    checks: a tree of closures spent most of its time calling closures (0.7 s of a 2,000-plan
    catalog's first run; about a third of that now).

    Covers the keywords pricebook's schemas use (type, enum, const, pattern, properties,
    additionalProperties, required, propertyNames, items, minItems, minProperties, anyOf, allOf,
    if/then/else, local ``$ref``); any other validation keyword makes it raise ``ValueError`` so a
    schema change cannot silently weaken validation. Numbers include ``Decimal`` (the loader's
    numbers), as in jsonschema. Test: ``tests/load/test_properties.py`` checks it agrees with
    jsonschema on generated documents.
    """
    return _SchemaCompiler(schema).compile()


# How many matching texts each pattern remembers (a process that checks many catalogs stops adding).
_MATCHED_MAX = 1 << 16

_ANNOTATIONS = {"$schema", "$id", "title", "description", "x-message", "examples", "$comment", "default"}
_KEYWORDS = {"type", "enum", "const", "pattern", "properties", "additionalProperties", "required",
             "propertyNames", "items", "minItems", "minProperties", "anyOf", "allOf", "if", "then", "else",
             "$ref", "$defs"}


class _SchemaCompiler:
    """Writes the source of ``compile_schema``'s predicate (see there)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        from collections.abc import Mapping
        from decimal import Decimal

        self.schema = schema
        self.functions: list[str] = []  # source of every generated function
        self.names: dict[str, str] = {}  # $ref target -> function name
        self.consts: dict[str, Any] = {"Mapping": Mapping, "Decimal": Decimal, "_json_equal": _json_equal,
                                       "_is_type": _is_type}
        self.serial = 0
        self.active: list[str] = []  # the $ref targets being written (as a function or in place)
        self.inlined = 0  # how deep the current function writes $ref targets in place

    def compile(self) -> Any:
        root = self.function(self.schema)
        source = "\n\n".join(self.functions)
        namespace = dict(self.consts)
        exec(compile(source, "<pricebook catalog schema>", "exec"), namespace)
        for table in self.consts.values():
            if isinstance(table, _Deferred):
                for tag, name in table.items():
                    table[tag] = namespace[name]
        return namespace[root]

    def const(self, value: Any) -> str:
        self.serial += 1
        name = f"_c{self.serial}"
        self.consts[name] = value
        return name

    def function(self, s: Any) -> str:
        """A new function that checks ``s``; returns its name."""
        self.serial += 1
        name = f"_f{self.serial}"
        self.define(name, s)
        return name

    def ref(self, target: str) -> str:
        """The function that checks the definition at ``target``, written on first use."""
        name = self.names.get(target)
        if name is None:
            self.serial += 1
            name = self.names[target] = f"_f{self.serial}"  # named first: a schema may refer to itself
            self.active.append(target)
            self.define(name, self.resolve(target))
            self.active.pop()
        return name

    def resolve(self, target: str) -> Any:
        if not target.startswith("#/"):
            raise ValueError(f"only local $ref is supported, not {target!r}")
        node: Any = self.schema
        for part in target[2:].split("/"):
            node = node[part]
        return node

    def define(self, name: str, s: Any) -> None:
        """Write the function ``name`` that checks ``s``. Inside it, ``$ref`` targets are written
        out in place up to three deep (a call costs more than the checks of a small definition),
        except those being written already further up: a schema may refer to itself."""
        outer, self.inlined = self.inlined, 0
        try:
            body = self.emit(s, "x", 1, [0])
        finally:
            self.inlined = outer
        self.functions.append("\n".join([f"def {name}(x):", *body, "    return True"]))

    def emit(self, s: Any, var: str, depth: int, serial: list[int]) -> list[str]:
        """Statements that ``return False`` when ``var`` does not satisfy ``s``."""
        pad = "    " * depth
        if s is True:
            return []
        if s is False:
            return [f"{pad}return False"]
        unknown = set(s) - _ANNOTATIONS - _KEYWORDS
        if unknown:
            raise ValueError(f"compile_schema does not support {sorted(unknown)}")
        out: list[str] = []
        if "type" in s:
            types = tuple(s["type"] if isinstance(s["type"], list) else [s["type"]])
            out.append(f"{pad}if not ({self.type_test(types, var)}): return False")
        if "enum" in s:
            choices = s["enum"]
            if all(isinstance(c, str) for c in choices):
                out.append(f"{pad}if not (isinstance({var}, str) and {var} in {self.const(frozenset(choices))}): "
                           "return False")
            else:
                c = self.const(tuple(choices))
                out.append(f"{pad}if not any(_json_equal({var}, v) for v in {c}): return False")
        if "const" in s:
            out.append(f"{pad}if not _json_equal({var}, {self.const(s['const'])}): return False")
        if "pattern" in s:
            # texts that matched are remembered (amounts and currency codes repeat): a set lookup
            # costs a tenth of a search
            search = self.const(re.compile(s["pattern"]).search)
            seen = self.const(set())
            out.append(f"{pad}if isinstance({var}, str) and {var} not in {seen}:")
            out.append(f"{pad}    if {search}({var}) is None: return False")
            out.append(f"{pad}    if len({seen}) < {_MATCHED_MAX}: {seen}.add({var})")
        obj = self.object_checks(s, var, depth + 1, serial)
        if obj:
            out.append(f"{pad}if isinstance({var}, dict) or isinstance({var}, Mapping):")
            out.extend(obj)
        arr: list[str] = []
        if "items" in s:
            serial[0] += 1
            item = f"i{serial[0]}"
            body = self.emit(s["items"], item, depth + 2, serial)
            if body:
                arr.append(f"{pad}    for {item} in {var}:")
                arr.extend(body)
        if "minItems" in s:
            arr.append(f"{pad}    if len({var}) < {int(s['minItems'])}: return False")
        if arr:
            out.append(f"{pad}if isinstance({var}, list):")
            out.extend(arr)
        if "anyOf" in s:
            branches = s["anyOf"]
            nullable = [b for b in branches if b == {"type": "null"}]
            if len(branches) == 2 and len(nullable) == 1:
                # anyOf [X, {type: null}]: None, or X
                (other,) = [b for b in branches if b is not nullable[0]]
                body = self.emit(other, var, depth + 1, serial)
                if body:
                    out.append(f"{pad}if {var} is not None:")
                    out.extend(body)
            else:
                calls = " or ".join(f"{self.function(b)}({var})" for b in branches) or "False"
                out.append(f"{pad}if not ({calls}): return False")
        if "allOf" in s:
            table = self.discriminated(s["allOf"])
            if table is not None:
                tag, fns = table
                serial[0] += 1
                t, g = f"t{serial[0]}", f"g{serial[0]}"
                out.append(f"{pad}if isinstance({var}, dict) or isinstance({var}, Mapping):")
                out.append(f"{pad}    {t} = {var}.get({tag!r})")
                out.append(f"{pad}    {g} = {self.const(fns)}.get({t}) if isinstance({t}, str) else None")
                out.append(f"{pad}    if {g} is not None and not {g}({var}): return False")
            else:
                for b in s["allOf"]:
                    out.extend(self.emit(b, var, depth, serial))
        if "if" in s:
            cond = self.function(s["if"])
            then = self.emit(s.get("then", True), var, depth + 1, serial)
            other = self.emit(s.get("else", True), var, depth + 1, serial)
            out.append(f"{pad}if {cond}({var}):")
            out.extend(then or [f"{pad}    pass"])
            if other:
                out.append(f"{pad}else:")
                out.extend(other)
        if "$ref" in s:
            target = s["$ref"]
            if target not in self.active and self.inlined < 3:  # written out in place (see define)
                node = self.resolve(target)
                self.active.append(target)
                self.inlined += 1
                out.extend(self.emit(node, var, depth, serial))
                self.inlined -= 1
                self.active.pop()
            else:
                out.append(f"{pad}if not {self.ref(target)}({var}): return False")
        return out

    def object_checks(self, s: Any, var: str, depth: int, serial: list[int]) -> list[str]:
        pad = "    " * depth
        out: list[str] = []
        props = s.get("properties", {})
        addl = s.get("additionalProperties")
        names_done = False
        if props or addl is not None:
            serial[0] += 1
            k, v = f"k{serial[0]}", f"v{serial[0]}"
            branches: list[tuple[str, list[str]]] = []
            for key, sub in props.items():
                branches.append((key, self.emit(sub, v, depth + 2, serial)))
            rest = self.emit(addl, v, depth + 2, serial) if addl is not None else []
            if any(body for _, body in branches) or rest:
                out.append(f"{pad}for {k}, {v} in {var}.items():")
                if "propertyNames" in s:  # the keys are checked in the same loop
                    out.extend(self.emit(s["propertyNames"], k, depth + 1, serial))
                    names_done = True
                first = True
                for key, body in branches:
                    out.append(f"{pad}    {'if' if first else 'elif'} {k} == {key!r}:")
                    out.extend(body or [f"{pad}        pass"])
                    first = False
                if rest:
                    if first:
                        out.extend(line[4:] for line in rest)  # no named properties: every value
                    else:
                        out.append(f"{pad}    else:")
                        out.extend(rest)
        if "required" in s:
            for key in s["required"]:
                out.append(f"{pad}if {key!r} not in {var}: return False")
        if "propertyNames" in s and not names_done:
            serial[0] += 1
            k = f"n{serial[0]}"
            body = self.emit(s["propertyNames"], k, depth + 1, serial)
            if body:
                out.append(f"{pad}for {k} in {var}:")
                out.extend(body)
        if "minProperties" in s:
            out.append(f"{pad}if len({var}) < {int(s['minProperties'])}: return False")
        return out

    def type_test(self, types: tuple[str, ...], var: str) -> str:
        classes = {"array": "list", "string": "str", "number": "int, float, Decimal", "boolean": "bool",
                   "null": "type(None)"}
        if any(t not in classes and t != "object" for t in types):
            return f"_is_type({self.const(types)}, {var})"
        names = ", ".join(classes[t] for t in types if t != "object")
        tests = []
        if names:
            test = f"isinstance({var}, ({names},))"
            if "number" in types and "boolean" not in types:
                test = f"({test} and not isinstance({var}, bool))"
            tests.append(test)
        if "object" in types:
            tests += [f"isinstance({var}, dict)", f"isinstance({var}, Mapping)"]
        return " or ".join(tests)

    def discriminated(self, branches: list[Any]) -> tuple[str, dict[str, Any]] | None:
        """``allOf`` of ``if {properties: {K: {const: V}}, required: [K]} then S`` (a tagged union such
        as the price models) becomes one dict lookup on the tag instead of one ``if`` per branch."""
        names: dict[str, str] = {}
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
            then = b["then"]
            names[sub["const"]] = (self.ref(then["$ref"]) if isinstance(then, dict) and set(then) == {"$ref"}
                                   else self.function(then))
        if tag is None:
            return None
        return tag, _Deferred(names)


class _Deferred(dict):  # type: ignore[type-arg]
    """A constant table of generated function names, turned into the functions after ``exec``."""


def _is_type(names: tuple[str, ...], x: Any) -> bool:
    from collections.abc import Mapping
    from decimal import Decimal

    for name in names:
        if name == "object" and isinstance(x, (dict, Mapping)):
            return True
        if name == "array" and isinstance(x, list):
            return True
        if name == "string" and isinstance(x, str):
            return True
        if name == "number" and isinstance(x, (int, float, Decimal)) and not isinstance(x, bool):
            return True
        if name == "integer" and ((isinstance(x, int) and not isinstance(x, bool)) or (
                isinstance(x, (float, Decimal)) and x == x and x == int(x))):
            return True
        if name == "boolean" and isinstance(x, bool):
            return True
        if name == "null" and x is None:
            return True
        if name not in ("object", "array", "string", "number", "integer", "boolean", "null"):
            raise ValueError(f"unknown type {name!r}")
    return False


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
    import difflib

    out: list[Diagnostic] = []
    # jsonschema only over the entries the fast path refuses (one wrong key in a 7.9 MB catalog took
    # 19 s); the whole file when that finds nothing (an error above the entries)
    errors = list(_walk_errors(_validator().iter_errors(_failing_entries(data)))) or \
        list(_walk_errors(_validator().iter_errors(data)))
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


def _failing_entries(data: Any) -> Any:
    """``data`` with each collection (``plans``, ``skus``, ...: a mapping of id -> entry) cut down to
    the entries the fast path refuses on their own, so jsonschema walks those only. Every other key is
    kept whole; paths in the result are the paths in ``data``."""
    if not isinstance(data, dict):
        return data
    fast = _fast_validator()
    out: dict[Any, Any] = {}
    for key, value in data.items():
        if key != "catalog" and isinstance(value, dict):
            out[key] = {i: entry for i, entry in value.items() if not fast({key: {i: entry}})}
        else:
            out[key] = value
    return out


def _unknown_key(key: str, allowed: list[str], file: str, path: CatalogPath,
                 positions: Mapping[CatalogPath, Position]) -> Diagnostic:
    import difflib

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
    if inst is None and err.validator in ("type", "pattern", "enum", "const"):
        # `currency:` with nothing after it (or `null`): say so, not "null must be ..."
        want = custom or (f"expected {_expected(err.validator_value)}" if err.validator == "type" else
                          f"expected one of: {', '.join(yaml_text(v) for v in _listed(err.validator_value))}")
        return f"no value (empty or null); {want}"
    if err.validator in ("pattern", "type") and custom:
        return f"{shown} {custom}"
    if err.validator == "propertyNames" or (custom and err.validator == "pattern"):
        return f"{shown} {custom or 'is not a valid key'}"
    if err.validator == "enum":
        return f"{shown} is not one of: {', '.join(yaml_text(v) for v in err.validator_value)}"
    if err.validator == "const":
        return f"{shown} must be {yaml_text(err.validator_value)}"
    if err.validator == "required":
        missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
        return f"missing required key '{missing[0] if missing else err.validator_value[0]}'"
    if err.validator == "type":
        return f"{shown} has the wrong type: expected {_expected(err.validator_value)}"
    if err.validator == "minItems":
        return "list must not be empty"
    if err.validator == "minProperties":
        return "mapping must not be empty"
    return " ".join(str(err.message).split())


def _expected(want: Any) -> str:
    names = " or ".join(_listed(want))
    return names.replace("object", "a mapping").replace("array", "a list")


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _show(value: Any) -> str:
    """The wrong value as the user wrote it: ``true`` (a boolean), ``5`` (a number), ``'abc'``."""
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    if isinstance(value, (bool, int, float, Decimal)):  # no-float-ok
        return describe_value(value)
    s = str(value)
    return repr(s if len(s) <= 40 else s[:37] + "...")


def schema_names() -> list[str]:
    """Every JSON Schema shipped with pricebook (``*.schema.json`` under ``pricebook/schemas``)."""
    folder = resources.files("pricebook").joinpath("schemas")
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json"))
