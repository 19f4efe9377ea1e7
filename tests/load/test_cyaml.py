"""The C reader (``_cyaml.c``) against the Python reader: the same data and the same positions for
every file it accepts, and every unusual file left to the Python reader (which reports findings).

Run on every YAML file of the repository (the example catalogs, the test cases of the rules), the
real pricings of shared/data, and generated documents in every scalar style.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricebook.load import yamlsrc
from pricebook.load.yamlsrc import ParsedYaml, PositionMap, parse_yaml

from ..conftest import ROOT, SHARED_DATA

cyaml = pytest.importorskip("pricebook.load._cyaml", reason="the C reader was not built here")


def python_reader(data: bytes, file: str, monkeypatch: pytest.MonkeyPatch) -> ParsedYaml:
    with monkeypatch.context() as m:
        m.setenv("PRICEBOOK_PURE_YAML", "1")
        yamlsrc._fast_parser.cache_clear()
        try:
            return parse_yaml(data, file)
        finally:
            yamlsrc._fast_parser.cache_clear()


def c_reader(data: bytes, file: str) -> ParsedYaml | None:
    """What the C reader returns for ``data``, as parse_yaml would wrap it; None when it declines."""
    done = cyaml.parse(data, yamlsrc._plain_value)
    if done is None:
        return None
    return ParsedYaml(done[0], PositionMap.compact(file, done[1], done[2]))


def assert_same(data: bytes, file: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """The C reader agrees with the Python reader on ``data``; False when it declined."""
    ours = c_reader(data, file)
    ref = python_reader(data, file, monkeypatch)
    if ours is None:
        return False
    assert ref.ok and not ref.diagnostics, f"C accepted what Python reports: {ref.diagnostics[:2]}"
    assert _typed(ours.data) == _typed(ref.data)
    assert dict(ours.positions.raw) == dict(ref.positions.raw)
    return True


def _typed(x: Any) -> Any:
    """A value with the type of every scalar spelled out: 1 == Decimal(1) == True must not pass."""
    if isinstance(x, dict):
        return {k: _typed(v) for k, v in x.items()}, "dict", list(x)
    if isinstance(x, list):
        return [_typed(v) for v in x], "list"
    return type(x).__name__, x


def repository_yaml() -> list[Path]:
    skip = {".venv", ".git", "node_modules"}
    return sorted(p for p in ROOT.rglob("*.y*ml")
                  if p.suffix in (".yaml", ".yml") and not skip.intersection(p.relative_to(ROOT).parts))


def test_every_yaml_file_of_the_repository_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    files = repository_yaml()
    assert len(files) > 50
    accepted = sum(assert_same(p.read_bytes(), str(p), monkeypatch) for p in files)
    assert accepted > len(files) * 0.8  # most files are plain YAML: a reader that declines all fails


@pytest.mark.skipif(not (SHARED_DATA / "pricing2yaml").is_dir(), reason="shared/data is not next to the repo")
def test_every_real_pricing_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted((SHARED_DATA / "pricing2yaml").rglob("*.y*ml"))
    assert len(files) >= 100
    accepted = sum(assert_same(p.read_bytes(), p.name, monkeypatch) for p in files)
    assert accepted > len(files) * 0.5


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",                        # anchor and alias
    "base: &b {x: 1}\nplan:\n  <<: *b\n",      # merge key
    "a: !!str 1\n",                            # a tag
    "a: !custom x\n",
    "a: !!python/object:os.system {x: 1}\n",  # tags on collections and keys: PB009 in the Python reader
    "a: !!set {x: null}\n",
    "a:\n  - !!python/tuple [1]\n",
    "!!python/name:os.system a: 1\n",
    "a: !!map {x: 1}\n",                      # standard tags that change nothing: read as without them
    "a: !!seq [1]\n",
    "a: ! {x: 1}\n",
    "a: 1\na: 2\n",                            # duplicate key
    "a: [1, 2\n",                              # syntax error
    "a: 1\n---\nb: 2\n",                       # two documents
    "? [a, b]\n: c\n",                         # a collection as a key
    "a:\n\tb: 1\n",                            # a tab
    "[" * 500 + "]" * 500,                     # deeper than the C reader goes
    "a: <<\n",                                 # the merge tag as a value (PB009 in the Python reader)
    "- <<\n",
    "[<<]\n",
])
def test_unusual_files_are_left_to_the_python_reader(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cyaml.parse(text.encode(), yamlsrc._plain_value) is None
    # and parse_yaml still gives the Python reader's result, findings included
    got = parse_yaml(text.encode(), "x.yaml")
    ref = python_reader(text.encode(), "x.yaml", monkeypatch)
    assert got.diagnostics == ref.diagnostics and got.ok == ref.ok
    assert got.data == ref.data


def test_scalars_resolve_as_the_python_reader_resolves_them(monkeypatch: pytest.MonkeyPatch) -> None:
    text = ("n: 0.1\ni: 1_000\ne: 1e-7\nx: 0x1F\ninf: .inf\nt: true\ny: yes\nno: no\nnull1: ~\nnull2:\n"
            "q: '0.1'\nd: \"2.5\"\nts: 2026-01-01\nsex: 1:30\nbig: 1e999\nneg: -3.50\nblock: |\n  x\n"
            "plain multi: a\n  b\nunicode: é\n\"quoted key\": 1\n'1': one\n")
    assert assert_same(text.encode(), "s.yaml", monkeypatch)
    data = c_reader(text.encode(), "s.yaml")
    assert data is not None
    from decimal import Decimal

    d = data.data
    assert d["n"] == Decimal("0.1") and type(d["n"]) is Decimal
    assert d["t"] is True and d["y"] == "yes" and d["null1"] is None and d["null2"] is None
    assert d["q"] == "0.1" and d["inf"] == ".inf" and d["ts"] == "2026-01-01"
    assert data.positions[("unicode",)].line == 21


@pytest.mark.parametrize("boms", [1, 2, 3])
def test_byte_order_marks_are_read_like_the_python_reader(boms: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\xef\xbb\xbf" * boms + b"plans: {}\nb: x\n"
    got = parse_yaml(data, "bom.yaml")
    ref = python_reader(data, "bom.yaml", monkeypatch)
    assert got.data == ref.data and dict(got.positions.raw) == dict(ref.positions.raw)
    assert got.diagnostics == ref.diagnostics and got.ok == ref.ok


def test_compact_positions_pickle_compact_and_expand_on_lookup() -> None:
    parsed = parse_yaml(b"a: 1\nb:\n  - x\n  - {q: y}\n", "p.yaml")
    assert parsed.positions._compact is not None  # nothing expanded yet
    again = pickle.loads(pickle.dumps(parsed))
    assert again.positions._compact is not None and len(again.positions) == 5
    assert again.positions[("b", 1, "q")].line == 4 and again.positions[("b", 1, "q")].column == 6
    assert dict(again.positions.raw) == dict(parsed.positions.raw)


def test_damaged_compact_positions_raise_instead_of_crashing() -> None:
    with pytest.raises(ValueError):
        cyaml.expand("f", ["a"], b"\x00" * 4)  # records of the wrong size
    with pytest.raises(ValueError):
        cyaml.expand("f", ["a"], (5).to_bytes(4, "little", signed=True) + b"\x00" * 8)  # parent after it


def test_a_step_that_changes_the_steps_while_hashed_cannot_crash_expand() -> None:
    """Steps come from the C reader or a pickled cache; whatever they are, expand reads a copy."""
    steps: list[object] = []

    class Hostile(str):
        def __hash__(self) -> int:
            steps.clear()
            return str.__hash__(self)

    steps.extend([Hostile("a"), Hostile("b")])
    records = b"".join(x.to_bytes(4, "little", signed=True) for x in (-1, 1, 1, 0, 2, 3))
    out = cyaml.expand("f", steps, records)
    assert out == {("a",): ("f", 1, 1), ("a", "b"): ("f", 2, 3)}


def test_the_result_cache_knows_which_reader_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from pricebook.load import cache

    keys = []
    for pure in ("", "1"):
        monkeypatch.setenv("PRICEBOOK_PURE_YAML", pure)
        yamlsrc._fast_parser.cache_clear()
        cache._code_salt.cache_clear()
        keys.append(cache._code_salt())
    monkeypatch.delenv("PRICEBOOK_PURE_YAML")
    yamlsrc._fast_parser.cache_clear()
    cache._code_salt.cache_clear()
    assert keys[0] != keys[1]


def test_the_python_reader_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRICEBOOK_PURE_YAML", "1")
    yamlsrc._fast_parser.cache_clear()
    try:
        assert yamlsrc._fast_parser() is None
        assert parse_yaml(b"a: 1\n", "f.yaml").positions._compact is None
    finally:
        monkeypatch.delenv("PRICEBOOK_PURE_YAML")
        yamlsrc._fast_parser.cache_clear()
    assert yamlsrc._fast_parser() is not None


# --- generated documents ------------------------------------------------------------------------

scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["0.1", "1_000", "-2", ".5", "1e3", "1.5e-3", "true", "False", "yes", "~", "null", "",
                     "0x1F", "0o17", "1:30", ".inf", ".NaN", "2026-01-01", "=", "<<x", "USD", "é", "a b"]),
    st.integers(-10**6, 10**6),
    st.booleans(),
    st.none(),
)
trees = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(max_size=8), inner, max_size=4),
), max_leaves=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(tree=trees, style=st.sampled_from([None, '"', "'", "|", ">"]), flow=st.booleans())
def test_generated_documents_read_the_same(tree: Any, style: str | None, flow: bool,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = yaml.safe_dump(tree, default_style=style, default_flow_style=flow, allow_unicode=True)
    assert_same(text.encode("utf-8", "surrogatepass"), "g.yaml", monkeypatch)


def test_compact_positions_expand_without_the_c_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    """A parse cache written by an install with the C reader, read by one without it."""
    import sys

    parsed = parse_yaml(b"a: 1\nb:\n  - x\n  - {q: y, r: [1, 2]}\n", "p.yaml")
    assert parsed.positions._compact is not None
    expected = cyaml.expand(*parsed.positions._compact)
    monkeypatch.setitem(sys.modules, "pricebook.load._cyaml", None)  # import fails
    assert yamlsrc._expand(*parsed.positions._compact) == expected
    with pytest.raises(ValueError):
        yamlsrc._expand("f", ["a"], (5).to_bytes(4, "little", signed=True) + b"\x00" * 8)


EDGE_SCALARS = ["", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "yES", "no", "on", "OFF", "true", "1",
                "-1", "+1", "0b101", "0o7", "017", "09", "0x1F", "1_000", "1:30", "1:30.5", "1.5", ".5",
                "-.inf", ".NaN", ".nan", "1e3", "1.0e+3", "1.0e3", "2026-01-01", "2026-1-1 10:00:00",
                "2026-01-01T10:00:00Z", "=", "<<", "<", "a", "0.", "-", ".", "USD", "é", "1.2.3"]


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.sampled_from(EDGE_SCALARS), st.text(max_size=16),
                      st.from_regex(r"[-+]?[0-9_.:eEbBoOxX ~nNtTfF=<-]{0,14}", fullmatch=True)))
def test_plain_scalars_resolve_to_pyyaml_s_tags(text: str) -> None:
    """The C reader resolves plain scalars without PyYAML, with a copy of its resolver table."""
    from yaml.nodes import ScalarNode

    expected = yamlsrc._loader_class()("").resolve(ScalarNode, text, (True, False))
    assert yamlsrc._plain_tag(text) == expected


def test_mutated_catalogs_read_the_same_or_are_declined(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real catalog files with random bytes inserted, deleted or cut off (what an editor saves
    halfway through a change): the C reader never crashes, and what it accepts reads the same."""
    import random

    sources = [p.read_bytes() for p in sorted((ROOT / "catalogs").rglob("*.yaml"))]
    rnd = random.Random(2026)
    alphabet = b" :-[]{},\n\"'#&*!|>?%@`\t0a."
    accepted = 0
    for _ in range(400):
        d = bytearray(rnd.choice(sources))
        for _ in range(rnd.randint(1, 4)):
            op, i = rnd.random(), rnd.randrange(len(d) + 1)
            if op < 0.4:
                d[i:i] = bytes([rnd.choice(alphabet)])
            elif op < 0.7 and len(d) > 1:
                del d[min(i, len(d) - 1)]
            else:
                d = d[:i]
        accepted += assert_same(bytes(d), "m.yaml", monkeypatch)
    assert accepted > 50
