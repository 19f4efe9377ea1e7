"""The release index: parse with positions, render, append without touching existing bytes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pricebook.releases.index import (
    ReleaseEntry,
    appended_index,
    parse_datetime,
    parse_index,
    render_index,
    valid_id,
)

D = "sha256:" + "a" * 64


def entry(rid: str, day: int = 1, **kw: object) -> ReleaseEntry:
    return ReleaseEntry(id=rid, effective_from=datetime(2026, 1, day, tzinfo=UTC), digest=D, **kw)  # type: ignore[arg-type]


def test_render_then_parse_is_identity_and_keeps_lines() -> None:
    entries = [entry("2026.01"),
               entry("2026.01.05", 5, notes='say "hi"\nthere: ü', rollback_of="2026.01",
                     source_commit="ab" * 20, created_at=datetime(2026, 1, 4, 9, tzinfo=UTC))]
    text = render_index(entries)
    read = parse_index(text)
    assert read.problems == []
    assert read.entries == entries  # "2026.01" stays a string: every scalar is quoted
    assert [e.line for e in read.entries] == [3, 9]


def test_append_keeps_existing_bytes() -> None:
    existing = render_index([entry("a")]).replace("releases:\n", "releases:   # hand comment\n")
    new = appended_index(existing, [entry("a")], entry("b", 2))
    assert new.startswith(existing)
    assert [e.id for e in parse_index(new).entries] == ["a", "b"]


def test_append_rewrites_an_index_it_cannot_extend() -> None:
    odd = "releases:\n- id: a\n  effective_from: 2026-01-01\n  digest: " + D + "\nother: 1\n"
    new = appended_index(odd, [entry("a")], entry("b", 2))
    read = parse_index(new)
    assert [e.id for e in read.entries] == ["a", "b"] and read.problems == []


@pytest.mark.parametrize(("text", "needle", "line"), [
    ("releases: [\n", "not valid YAML", 2),
    ("- 1\n", "mapping", 1),
    ("releases:\n  - id: a\n    effective_from: soon\n    digest: " + D + "\n", "not a date-time", 3),
    ("releases:\n  - id: a\n    effective_from: 2026-01-01\n", "no 'digest'", 2),
    ("releases:\n  - id: a/b\n    effective_from: 2026-01-01\n    digest: " + D + "\n", "not valid", 2),
    ("releases:\n  - id: a\n    effective_from: 2026-01-01\n    digest: md5:1\n", "sha256", 4),
])
def test_problems_have_lines(text: str, needle: str, line: int) -> None:
    read = parse_index(text)
    assert read.problems, text
    assert needle in read.problems[0].message
    assert read.problems[0].line == line


def test_duplicate_id_is_a_problem() -> None:
    text = render_index([entry("a")]) + render_index([entry("a", 2)]).split("releases:\n", 1)[1]
    read = parse_index(text)
    assert [e.id for e in read.entries] == ["a"]
    assert "listed twice" in read.problems[0].message


def test_ids() -> None:
    assert valid_id("2026.11.01-2") and valid_id("v1_beta")
    assert not valid_id("../x") and not valid_id(".hidden") and not valid_id("a b") and not valid_id("")


def test_parse_datetime_reads_naive_values_in_the_catalog_timezone() -> None:
    assert parse_datetime("2026-11-01") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_datetime("2026-11-01T00:00:00Z") == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_datetime("2026-11-01", "Europe/Berlin") == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert parse_datetime("2026-11-01T10:00:00+02:00") == datetime(2026, 11, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_datetime("tomorrow")


def test_append_keeps_crlf_line_ends() -> None:
    old = render_index([entry("a")]).replace("\n", "\r\n")
    new = appended_index(old, [entry("a")], entry("b", 2))
    assert new.startswith(old) and "\n" not in new.replace("\r\n", "")
    assert [e.id for e in parse_index(new).entries] == ["a", "b"]
