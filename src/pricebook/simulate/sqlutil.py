"""Quoting for the few catalog and usage identifiers that must appear in SQL text.

Values travel as parameters or table rows wherever the SQL can take them that way; stage 1 is SQL
text meant for other engines too, so there a meter id or a file path is a properly quoted literal.
"""

from __future__ import annotations

from decimal import Decimal


def lit(value: str) -> str:
    """A SQL string literal: single quotes doubled, nothing else interpreted (standard SQL)."""
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier: double quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def dec_lit(value: Decimal, scale: int) -> str:
    """An exact DECIMAL(38, scale) literal (never a float)."""
    return f"CAST({lit(format(value, 'f'))} AS DECIMAL(38, {scale}))"


def json_path(key: str) -> str:
    """A JSON path selecting one top-level key, quoted so dots and quotes in the key stay literal."""
    return "$." + '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
