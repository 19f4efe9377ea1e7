"""Column mappings for the usage exports of billing and metering systems (``--preset``).

Each preset maps pricebook's usage columns to the export's own names. A value may name a column,
``column.key`` for a key inside a JSON column, or ``a|b`` for the first non-null of several columns.
``properties`` names the JSON column holding event properties (where meters' ``property`` and
dimensions are looked up). ``dedup`` says whether the source promises a unique event id (then
duplicates are dropped and counted). ``usage_filter`` is a column and the value that marks a usage row;
other rows are reported under ``unrated.non_usage``, never rated.

The shapes (checked against each system's public event API / export documentation):

- lago: events ``transaction_id``, ``external_subscription_id`` / ``external_customer_id``, ``code``
  (billable metric code), ``timestamp``, ``properties`` (the metric's ``field_name`` lives there).
- openmeter: CloudEvents ``id``, ``source``, ``subject`` (the customer), ``type`` (the event type a meter
  reads), ``time``, ``data`` (JSON; the meter's ``valueProperty`` lives there).
- stripe: billing meter events ``identifier``, ``event_name``, ``timestamp`` (Unix seconds), ``payload``
  with ``stripe_customer_id`` and ``value``.
- metronome: usage events ``transaction_id``, ``customer_id``, ``event_type``, ``timestamp``,
  ``properties``.
- orb: events ``idempotency_key``, ``external_customer_id`` (else ``customer_id``), ``event_name``,
  ``timestamp``, ``properties``.
- focus: FinOps FOCUS 1.0 cost and usage rows. Customer ``SubAccountId`` (else ``BillingAccountId``),
  timestamp ``ChargePeriodStart``, quantity ``ConsumedQuantity``, meter ``ServiceCategory`` turned into
  an id (``Management and Governance`` -> ``management-and-governance``), dimension ``unit`` =
  ``ConsumedUnit``; only ``ChargeCategory = Usage`` rows are usage (Adjustment, Credit, Tax and Purchase
  rows are reported); FOCUS rows carry no event id, so there is no dedup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pricebook.errors import UsageError

COLUMNS = ("customer_id", "timestamp", "meter", "quantity", "event_id")


@dataclass(frozen=True)
class Preset:
    name: str
    columns: dict[str, str]
    properties: str | None = None
    dedup: bool = True
    usage_filter: tuple[str, str] | None = None
    meter_slug: bool = False  # turn the meter column's text into an id (FOCUS service categories)
    dimension_columns: dict[str, str] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    "lago": Preset("lago", {"event_id": "transaction_id",
                            "customer_id": "external_customer_id|external_subscription_id",
                            "meter": "code", "timestamp": "timestamp"}, properties="properties"),
    "openmeter": Preset("openmeter", {"event_id": "id", "customer_id": "subject", "meter": "type",
                                      "timestamp": "time"}, properties="data"),
    "stripe": Preset("stripe", {"event_id": "identifier", "customer_id": "payload.stripe_customer_id",
                                "meter": "event_name", "timestamp": "timestamp",
                                "quantity": "payload.value"}, properties="payload"),
    "metronome": Preset("metronome", {"event_id": "transaction_id", "customer_id": "customer_id",
                                      "meter": "event_type", "timestamp": "timestamp"},
                        properties="properties"),
    "orb": Preset("orb", {"event_id": "idempotency_key",
                          "customer_id": "external_customer_id|customer_id",
                          "meter": "event_name", "timestamp": "timestamp"}, properties="properties"),
    "focus": Preset("focus", {"customer_id": "SubAccountId|BillingAccountId",
                              "timestamp": "ChargePeriodStart", "meter": "ServiceCategory",
                              "quantity": "ConsumedQuantity"},
                    dedup=False, usage_filter=("ChargeCategory", "Usage"), meter_slug=True,
                    dimension_columns={"unit": "ConsumedUnit"}),
}


def get_preset(name: str | None) -> Preset | None:
    if name is None:
        return None
    try:
        return PRESETS[name]
    except KeyError:
        raise UsageError(f"unknown --preset '{name}' (known: {', '.join(sorted(PRESETS))})") from None


def parse_map(items: list[str] | None) -> dict[str, str]:
    """``--map customer_id=account_id`` (repeatable) -> ``{"customer_id": "account_id"}``. COLUMN is one
    of pricebook's usage columns, ``properties`` or ``dimension.<name>``."""
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UsageError(f"--map '{item}' must look like COLUMN=SOURCE_COLUMN")
        _check_target(key, f"--map '{item}'")
        out[key] = value
    return out


def settings_map(section: Mapping[str, Any]) -> dict[str, str]:
    """pricebook.yaml's ``usage.map``, checked as ``--map`` is."""
    raw = section.get("map") or {}
    if not isinstance(raw, Mapping):
        raise UsageError("pricebook.yaml usage.map must map COLUMN: SOURCE_COLUMN")
    out: dict[str, str] = {}
    for k, v in raw.items():
        key, value = str(k).strip(), "" if v is None else str(v).strip()
        _check_target(key, f"pricebook.yaml usage.map '{key}'")
        if not value:  # `event_id:` with no value would otherwise look for a column named 'None'
            raise UsageError(f"pricebook.yaml usage.map '{key}' names no source column")
        out[key] = value
    return out


def _check_target(key: str, where: str) -> None:
    if key not in (*COLUMNS, "properties") and not (key.startswith("dimension.") and key != "dimension."):
        raise UsageError(f"{where}: unknown column '{key}' (known: {', '.join(COLUMNS)}, "
                         "properties, dimension.<name>)")
