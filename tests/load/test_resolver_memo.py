"""The loader's memoized tag resolver must tag every node exactly as PyYAML's safe loader does."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from pricebook.load import yamlsrc

TRICKY = ["", "~", "null", "Null", "NULL", "nULL", "true", "True", "TRUE", "tRUE", "yes", "No", "on", "OFF",
          "0", "-0", "+12", "0x1F", "0o17", "017", "1_000", "1:30", "190:20:30", "0.1", ".5", "1.", "1e5",
          "1.0e+5", "1.0e5", ".inf", "-.Inf", ".NaN", ".nan", "2026-11-22", "2026-11-22 10:00:00Z", "<<", "=",
          "0.0004", "-", "a b", "USD", "model", "1,000"]


def tags(text: str, loader: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    stack = [yaml.compose(text, Loader=loader)]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        if isinstance(node, yaml.ScalarNode):
            out.append((node.tag, node.value))
        elif isinstance(node, yaml.MappingNode):
            out.append((node.tag, "{}"))
            for k, v in node.value:
                stack += [k, v]
        else:
            out.append((node.tag, "[]"))
            stack += node.value
    return out


def reference() -> Any:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def test_every_tricky_scalar_gets_pyyamls_tag_as_key_value_item_and_quoted() -> None:
    docs = [f"k: {s}\n{s or 'empty'}: [{s}, '{s}', {{x: {s}}}]\n<<: {{m: {s}}}\n" for s in TRICKY]
    checked = 0
    for doc in docs:
        try:
            expected = tags(doc, reference())
        except yaml.YAMLError:
            continue
        for _ in range(2):  # the second pass is served from the memo
            assert tags(doc, yamlsrc._loader_class()) == expected, doc
        checked += 1
    assert checked >= len(TRICKY) - 8


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="0123456789.eE+-_:xXoabfnlrtuyNTF~<=", max_size=8), min_size=1, max_size=20))
def test_random_plain_scalars_get_pyyamls_tag(values: list[str]) -> None:
    doc = "\n".join(f"- {v}" if v.strip() else "- ''" for v in values)
    try:
        expected = tags(doc, reference())
    except yaml.YAMLError:
        return  # not a document; the memo is never asked
    assert tags(doc, yamlsrc._loader_class()) == expected


def test_the_memo_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(yamlsrc, "_TAG_MEMO_MAX", 10)
    yamlsrc._loader_class.cache_clear()
    try:
        doc = "\n".join(f"- v{i}" for i in range(50))
        assert tags(doc, yamlsrc._loader_class()) == tags(doc, reference())
        assert len(yamlsrc._TAG_MEMO) <= 10
    finally:
        yamlsrc._loader_class.cache_clear()
