from __future__ import annotations

from collections.abc import Iterable

from pricebook.diagnostics import Diagnostic
from pricebook.load.dump import dec
from pricebook.model import PackagePrice
from pricebook.rules import Rule, RuleContext, _walk


class PackageSizeNotPositive(Rule):
    """A package price sells units in packages of ``package_size`` > 0 (a size of 0 divides by zero).

    Wrong::

        images: {model: package, package_size: 0, package_price: "4.00"}

    Right::

        images: {model: package, package_size: 100, package_price: "4.00"}
    """

    id = "PB115"
    name = "package-size-not-positive"
    severity = "error"
    scope = "plan"
    fix_hint = "use a `package_size` above 0"

    def check(self, ctx: RuleContext) -> Iterable[Diagnostic]:
        for at in _walk.prices(ctx.catalog):
            if isinstance(at.price, PackagePrice) and at.price.package_size <= 0:
                yield self.report(ctx, (*at.path, "package_size"),
                                  f"package_size of '{at.sku}' is {dec(at.price.package_size)}; it must be "
                                  "above 0", fix="use a package_size above 0")
