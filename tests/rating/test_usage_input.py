"""Usage as typed on the command line or in a file: how entries combine, and that bad input never crashes."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricebook.errors import InputError
from pricebook.rating.usage_input import build_usage, parse_usage_arg, read_usage_file, usage_from_inputs
from tests.rating.conftest import build

D = Decimal


def catalog():  # type: ignore[no-untyped-def]
    return build({"units": {"model": "per_unit", "unit_price": "1"}})


def test_forms_of_usage_arg() -> None:
    e = parse_usage_arg("units[model=large]=1_000.5")
    assert (e.meter, e.dims, e.values, e.is_list) == ("units", (("model", "large"),), (D("1000.5"),), False)
    e = parse_usage_arg("payments=1,2.5,1e3")
    assert (e.values, e.is_list) == ((D(1), D("2.5"), D(1000)), True)


def test_entries_combine_sum_and_unnamed_dimension_goes_to_no_value() -> None:
    u = usage_from_inputs(catalog(), ["units=5", "units[model=large]=2", "units[model=small]=3"])
    assert u["units"].quantity == D(10)
    assert u["units"].by_dimension == {"model": {"": D(5), "large": D(2), "small": D(3)}}
    assert u["units"].transactions == (D(5), D(2), D(3))


def test_max_meter_entries_combine_by_max() -> None:
    u = usage_from_inputs(catalog(), ["peak=4", "peak[region=eu]=9", "peak[region=us]=6,7"])
    assert u["peak"].quantity == D(9)
    assert u["peak"].by_dimension == {"region": {"": D(4), "eu": D(9), "us": D(7)}}


def test_usage_file_forms(tmp_path: Path) -> None:
    f = tmp_path / "u.yaml"
    f.write_text(
        "units: {model=large: 2, model=small: 3}\npayments: [10, 20.5]\npeak: 0.1\n", encoding="utf-8"
    )
    entries = read_usage_file(f)
    assert [(e.meter, e.dims, e.values) for e in entries] == [
        ("units", (("model", "large"),), (D(2),)),
        ("units", (("model", "small"),), (D(3),)),
        ("payments", (), (D(10), D("20.5"))),
        ("peak", (), (D("0.1"),)),
    ]
    u = build_usage(catalog(), entries)
    assert u["peak"].quantity == D("0.1")  # from the YAML text, not a float


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("units: {model: 2}\n", "expected [DIM=VALUE]"),
        ("units: [1, [2]]\n", "expected a number"),
        ("units: []\n", "empty"),
        ("units: true\n", "expected a quantity"),
        ("- units\n", "maps each meter"),
        ("units: -3\n", "cannot be negative"),
    ],
)
def test_bad_usage_files(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "u.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        build_usage(catalog(), read_usage_file(f))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_no_usage_arg_crashes(arg: str) -> None:
    try:
        usage_from_inputs(catalog(), [arg])
    except InputError as exc:
        assert str(exc).startswith("--usage")  # names the argument it could not read


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=8)
        | st.decimals(allow_nan=False, allow_infinity=False, places=3),
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
        max_leaves=10,
    )
)
def test_no_usage_file_crashes(tmp_path_factory: pytest.TempPathFactory, data: object) -> None:
    import json

    f = tmp_path_factory.mktemp("u") / "u.json"
    f.write_text(json.dumps(data, default=str), encoding="utf-8")
    try:
        build_usage(catalog(), read_usage_file(f))
    except InputError as exc:
        assert str(exc)


@pytest.mark.parametrize(("text", "where", "key"), [
    ('{"units": 8, "units": 20}\n', "u.json:1:14", "units"),
    ('{\n  "units": {"model=large": 5, "model=large": 6}\n}\n', "u.json:2:31", "model=large"),
])
def test_a_json_key_given_twice_is_an_error_at_its_line_as_in_yaml(tmp_path: Path, text: str, where: str,
                                                                   key: str) -> None:
    """json.loads keeps the last of two equal keys: 20 units were billed where YAML refuses."""
    f = tmp_path / "u.json"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        read_usage_file(f)
    assert str(raised.value).startswith(f"{f.parent / where}: duplicate key '{key}'"), raised.value


def test_json_errors_name_the_line_and_column_of_the_key(tmp_path: Path) -> None:
    f = tmp_path / "u.json"
    f.write_text('{\n\t"units": 2,\n\t"other": -1e3\n}\n', encoding="utf-8")  # tabs and an exponent
    with pytest.raises(InputError, match=r"u\.json:3:2: other: quantities cannot be negative"):
        read_usage_file(f)
    f.write_text('{\n\t"units": 1e3\n}\n', encoding="utf-8")
    assert read_usage_file(f)[0].values == (D(1000),)
