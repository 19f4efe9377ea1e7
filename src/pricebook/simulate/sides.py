"""Resolve ``--baseline`` / ``--candidate`` specs into the catalogs (and releases) each side prices with."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pricebook.errors import GitError, InputError
from pricebook.model import Catalog
from pricebook.simulate.engine import Side

RELEASES = "releases"


def _load(spec: str | None, catalog_dir: Path) -> tuple[str, Catalog]:
    """The catalog of one side, refused (exit 2, first error with its file and line) when it has
    validation errors, as ``quote`` refuses it: simulate would otherwise bill what quote will not."""
    from pricebook.errors import invalid_catalog
    from pricebook.load.revision import load_revision
    from pricebook.validation import check_loaded

    rev, res = load_revision(spec, catalog_dir)
    checked = check_loaded(res)
    errors = [d for d in checked.diagnostics if d.severity == "error"]
    if checked.catalog is None or errors:
        raise invalid_catalog(rev.label, errors)
    return rev.label, checked.catalog


def _load_side(flag: str, spec: str | None, catalog_dir: Path) -> tuple[str, Catalog]:
    """``_load`` for ``--baseline`` / ``--candidate``: a spec that reads as a path and names nothing on disk
    is reported as a missing catalog folder, not as an unknown git revision."""
    from pricebook.load.revision import CatalogAbsent

    try:
        return _load(spec, catalog_dir)
    except CatalogAbsent as exc:
        # the pull request that adds the catalog: its base has none yet (diff and ci then compare
        # with an empty catalog; revenue has no baseline to compare with)
        raise InputError(f"{flag} '{spec}' has no catalog at {exc.revision.path or '.'}, so there are "
                         "no baseline prices to compare with; give --baseline PATH (the catalog itself "
                         "shows what it bills)") from None
    except GitError as exc:
        if spec is not None and not Path(spec).exists():
            if _looks_like_path(spec):
                raise InputError(f"{flag} '{spec}': no such catalog folder (nor a git ref)") from None
            # 'bsae' for 'base': say which option and value, not only what git said of the catalog
            raise GitError(f"{flag} '{spec}' is neither a catalog folder here nor a git revision: "
                           f"({exc})") from None
        raise


def _looks_like_path(spec: str) -> bool:
    """``/a``, ``./a``, ``../a``, ``~/a``; or ``a/b`` when ``a`` is a folder here (``origin/main``,
    ``feature/x`` stay refs, whose error hints at ``git fetch``). ``REF:path`` is a git spec."""
    import os

    if spec in (".", "..") or spec.startswith(("/", "./", "../", "~", f".{os.sep}", f"..{os.sep}")):
        return True
    if ":" in spec:
        return False
    head, sep, _ = spec.replace(os.sep, "/").partition("/")
    return bool(sep) and Path(head).is_dir()


def _grandfathered(name: str, label: str, cat: Catalog, catalog_dir: Path,
                   timeline: list[tuple[date, str]] | None = None) -> Side:
    """A side pricing with ``cat`` and its grandfathering rules; with a ``timeline`` (``--baseline
    releases``), each period with the release in force and that release's own rules (what customers
    were promised then: the same whatever ``cat``, today's catalog, says)."""
    store: Any = None

    def load(rid: str) -> Catalog:  # each release read once, the index only when one is needed
        nonlocal store
        if store is None:
            from pricebook.releases.timeline import ReleaseCatalogs

            store = ReleaseCatalogs(catalog_dir)
        got: Catalog = store.get(rid)
        return got

    by_release = {rid: tuple(load(rid).grandfathering.values()) for _, rid in timeline or []}
    rules = () if timeline else tuple(cat.grandfathering.values())
    targets = {r.release for rs in (rules, *by_release.values()) for r in rs if r.plans or r.customers}
    releases = {rid: load(rid) for rid in sorted(targets | set(by_release))}
    return Side(name, label, cat, releases, tuple(timeline or ()), rules, by_release)


def default_baseline(catalog_dir: Path) -> str:
    """The base ``diff`` and ``ci`` derive (``derived_base``: the pull request's base branch in GitHub
    Actions, else pricebook.yaml's ``base``, at its merge base with HEAD), else the newest release,
    else HEAD."""
    from pricebook.load.revision import derived_base
    from pricebook.settings import load_settings

    base = derived_base(load_settings())
    if base:
        return base
    try:
        from pricebook.releases.index import ordered, read_index

        entries = ordered(read_index(catalog_dir))
    except InputError:
        entries = []
    if entries:
        return f"release:{entries[-1].id}"
    return "HEAD"


def resolve_sides(baseline: str | None, candidate: str | None, catalog_dir: Path) -> tuple[Side, Side]:
    """The two sides. ``--baseline releases`` bills each period under the release in force then."""
    c_label, c_cat = _load_side("--candidate", candidate, catalog_dir)
    cand = _grandfathered("candidate", c_label, c_cat, catalog_dir)
    if baseline == RELEASES:
        from pricebook.releases.index import ordered, read_index

        entries = ordered(read_index(catalog_dir))
        if not entries:
            raise InputError(f"--baseline releases: no releases under {catalog_dir / 'releases'}")
        timeline = [(e.effective_from.date(), e.id) for e in entries]
        base = _grandfathered("baseline", "releases", c_cat, catalog_dir, timeline)
        return base, cand
    spec = baseline or default_baseline(catalog_dir)
    b_label, b_cat = _load_side("--baseline" if baseline else "pricebook.yaml base", spec, catalog_dir)
    return _grandfathered("baseline", b_label, b_cat, catalog_dir), cand
