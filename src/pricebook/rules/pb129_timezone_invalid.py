from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.rules import Rule, RuleContext


class TimezoneInvalid(Rule):
    """The catalog's ``timezone`` is an IANA zone name: billing periods are calendar months in it.

    Wrong::

        catalog: {id: acme, currency: USD, timezone: CET+1}

    Right::

        catalog: {id: acme, currency: USD, timezone: Europe/Berlin}
    """

    id = "PB129"
    name = "timezone-invalid"
    severity = "error"
    fix_hint = "use an IANA zone such as `Europe/Berlin`"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        tz = ctx.catalog.timezone
        try:
            ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            import difflib
            from zoneinfo import available_timezones

            close = difflib.get_close_matches(tz, sorted(available_timezones()), n=1)
            hint = f" — did you mean '{close[0]}'?" if close else ""
            yield self.report(ctx, ("catalog", "timezone"), f"'{tz}' is not an IANA time zone{hint}",
                              fix="use a zone name such as UTC or Europe/Berlin")
