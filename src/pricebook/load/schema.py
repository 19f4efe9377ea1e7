"""The JSON Schema for catalog files, and its findings with positions and did-you-mean hints."""

from __future__ import annotations

import difflib
import json
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


def _walk_errors(errors: Any) -> Any:
    """Flatten if/then and anyOf wrappers so each finding names the exact node that is wrong."""
    for err in errors:
        if err.validator == "anyOf" and err.context:
            # nullable(x): report the non-null branch's errors, which say what was expected
            non_null = [e for e in err.context if e.validator != "type" or e.validator_value != "null"]
            yield from _walk_errors(non_null or [err])
        else:
            yield err


def schema_findings(data: Any, file: str, positions: dict[CatalogPath, Position]) -> list[Diagnostic]:
    """Validate one file's data. Every error becomes a finding at the node it is about."""
    out: list[Diagnostic] = []
    for err in _walk_errors(_validator().iter_errors(data)):
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
        message = _message(err)
        pos = _locate(positions, path) or Position(file, 1, 1)
        out.append(Diagnostic.at("PB020", "error", message, pos, path, name="schema"))
    return out


def _unknown_key(key: str, allowed: list[str], file: str, path: CatalogPath,
                 positions: dict[CatalogPath, Position]) -> Diagnostic:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else ""
    fix = f"rename '{key}' to '{close[0]}'" if close else f"valid keys here: {', '.join(sorted(allowed))}"
    pos = _locate(positions, path) or Position(file, 1, 1)
    return Diagnostic.at("PB021", "error", f"unknown key '{key}'{hint}", pos, path, fix=fix,
                         name="unknown-key")


def _locate(positions: dict[CatalogPath, Position], path: CatalogPath) -> Position | None:
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
