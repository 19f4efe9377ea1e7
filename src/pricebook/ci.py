"""``pricebook ci``: the pull-request check, as a list of sections.

Each section is a function ``(CiContext) -> SectionResult``: it runs one check and returns whether
it failed, its text and markdown, annotations (Diagnostics, for GitHub) and JSON data. The command
runs the sections in order and exits 1 when any failed. Adding a check is a function and one line
in ``SECTIONS``; the revenue impact section (simulate on the usage sample named in pricebook.yaml)
goes at the marked place below.

Errors that mean the check could not run at all (a missing base ref, a base that does not load,
bad settings) propagate as ``PricebookError`` (exit 2): a comparison that could not run never
passes as "no changes".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pricebook.diagnostics import Diagnostic

DEFAULT_BASE = "origin/main"


@dataclass
class CiContext:
    catalog_dir: Path
    base: str
    fail_on: str
    settings: Any = None
    overrides: dict[str, str] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # what one section leaves for the next


@dataclass
class SectionResult:
    name: str
    title: str
    status: str  # passed | failed | skipped
    text: str
    markdown: str
    annotations: list[Diagnostic] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


Section = Callable[[CiContext], SectionResult]


def validate_section(ctx: CiContext) -> SectionResult:
    """Validate HEAD (the working tree): fails on any error finding."""
    from pricebook.validation import validate_path

    result = validate_path(ctx.catalog_dir)
    ctx.state["validation"] = result
    errors = [d for d in result.diagnostics if d.severity == "error"]
    warnings = [d for d in result.diagnostics if d.severity == "warning"]
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    head = (f"{'valid' if result.valid else 'invalid'}: {n(len(result.files), 'file')}, "
            f"{n(len(errors), 'error')}, {n(len(warnings), 'warning')}")
    text_lines = [f"validate: {head}"]
    text_lines += [f"  {d.location}: {d.severity} {d.rule}: {d.message}" for d in result.diagnostics]
    from pricebook.report import findings

    md = (
        findings.markdown(result.diagnostics, tool="Validation")
        if result.diagnostics
        else f"### Validation\n\n✅ {head}\n"
    )
    return SectionResult(
        "validate",
        "Validation",
        "passed" if result.valid else "failed",
        "\n".join(text_lines),
        md,
        list(result.diagnostics),
        {"valid": result.valid, "diagnostics": [d.to_dict() for d in result.diagnostics]},
    )


def diff_section(ctx: CiContext) -> SectionResult:
    """Diff the base ref against the working tree; fails on a change at or above ``--fail-on``."""
    from pricebook.diff import compare, with_note
    from pricebook.gitrepo import worktree_root
    from pricebook.report.diff_findings import to_diagnostics
    from pricebook.report.diff_markdown import render
    from pricebook.report.diff_text import summary_line

    validation = ctx.state.get("validation")
    if validation is not None and validation.catalog is None:
        msg = "not compared: HEAD does not load (see validation)"
        return SectionResult(
            "diff",
            "Pricing changes",
            "skipped",
            f"diff: {msg}",
            f"### Pricing changes\n\n{msg}\n",
            data={"skipped": msg},
        )
    result = compare(ctx.base, None, ctx.catalog_dir, ctx.overrides)
    ctx.state["diff"] = result
    failed = result.fails(ctx.fail_on)
    lines = [
        f"diff {result.base} -> {result.head}: {summary_line(result)}"
        + (f" (fails --fail-on {ctx.fail_on})" if failed else "")
    ]
    if result.note:
        lines.append(f"  {result.note}")
    lines += [f"  {c.severity:<8} {c.kind:<30} {c.display_path}: {c.message}" for c in result.changes]
    annotations = to_diagnostics(result.changes, worktree_root(ctx.catalog_dir))
    if result.note:  # also in the job log, where the default github format prints annotations only
        annotations.insert(0, Diagnostic("base-has-no-catalog", "info", result.note))
    return SectionResult(
        "diff",
        "Pricing changes",
        "failed" if failed else "passed",
        "\n".join(lines),
        with_note(render(result, ctx.fail_on), result),
        annotations,
        result.to_dict(),
    )


def revenue_impact_section(ctx: CiContext) -> SectionResult:
    """Replay pricebook.yaml's usage sample (``usage.sample``, with ``usage.subscriptions``,
    ``usage.preset``, ``usage.map``, ``usage.plan``) through the base and the working tree.

    Informational: it never fails the check by itself (a price change is the reviewer's call), but a
    sample that cannot be read is an error (exit 2), not a silent skip. Skipped, and said so, when no
    sample is configured, when HEAD does not load, or when the base has no catalog (the pull request
    that adds it): with no baseline prices there is no revenue change to show, and a baseline of
    zero would present every bill the new catalog computes as new revenue, which it need not be
    (those customers may be billed today by a system this repository does not hold).
    """
    title = "Revenue impact"
    usage = ctx.settings.section("usage") if ctx.settings is not None else {}
    sample = usage.get("sample")
    if not sample:
        msg = "no usage sample: set usage.sample (and usage.subscriptions) in pricebook.yaml to see it"
        return SectionResult("revenue", title, "skipped", f"revenue impact: skipped ({msg})",
                             f"### {title}\n\nSkipped: {msg}.\n", data={"skipped": msg})
    validation = ctx.state.get("validation")
    if validation is not None and validation.catalog is None:
        msg = "not simulated: HEAD does not load (see validation)"
        return SectionResult("revenue", title, "skipped", f"revenue impact: {msg}",
                             f"### {title}\n\n{msg}\n", data={"skipped": msg})
    diff = ctx.state.get("diff")
    if diff is not None and not diff.base_has_catalog:
        return _no_baseline(title, diff.base, diff.base_missing_at)
    from pricebook.report.simulate_json import to_data, to_markdown, unrated_summary
    from pricebook.report.values import amount_cells, breach_count
    from pricebook.simulate import SimulationOptions, run_simulation
    from pricebook.simulate.presets import settings_map
    from pricebook.simulate.sides import resolve_sides

    samples = [str(x) for x in (sample if isinstance(sample, list) else [sample])]
    opts = SimulationOptions(
        usage=[str(ctx.settings.path(x)) for x in samples],
        subscriptions=(str(ctx.settings.path(str(usage["subscriptions"])))
                       if usage.get("subscriptions") else None),
        preset=usage.get("preset"),
        mapping=settings_map(usage),
        default_plan=usage.get("plan"),
    )
    base_side, head_side = resolve_sides(ctx.base, None, ctx.catalog_dir)
    result = run_simulation(opts, base_side, head_side)
    lines = [f"revenue impact {result.baseline} -> {result.candidate} on {', '.join(samples)}:"]
    for t in result.totals:  # each currency at its own minor unit, as simulate's reports write it
        baseline, candidate, delta, pct = amount_cells(t)
        lines.append(f"  {t.currency}: {baseline} -> {candidate} ({delta}, {pct})")
    c = result.customers
    lines.append(f"  customers: {c.get('increased', 0)} pay more, {c.get('decreased', 0)} pay less, "
                 f"{c.get('unchanged', 0)} unchanged" + (f", {c['mixed']} mixed" if c.get("mixed") else ""))
    if result.breaches:
        lines.append(f"  {breach_count(result)} hard entitlement limit(s) would be broken")
    if result.unrated:  # as the markdown says it: what the sample holds that no bill rated, by reason
        lines.append(f"  unrated events: {unrated_summary(result)}")
    return SectionResult("revenue", title, "passed", "\n".join(lines), to_markdown(result),
                         data={"simulation": to_data(result)})


def _no_baseline(title: str, base: str, path: str | None) -> SectionResult:
    msg = (f"not simulated: the base ({base}) has no catalog at {path or '.'}, so there are no "
           "baseline prices to compare revenue with (the first pull request after this one shows the "
           "impact)")
    return SectionResult("revenue", title, "skipped", f"revenue impact: {msg}",
                         f"### {title}\n\n{msg}\n", data={"skipped": msg})


# The checks, in order.
SECTIONS: list[Section] = [validate_section, diff_section, revenue_impact_section]


@dataclass
class CiResult:
    sections: list[SectionResult]
    fail_on: str

    @property
    def exit_code(self) -> int:
        return 1 if any(s.failed for s in self.sections) else 0

    def verdict(self) -> str:
        failed = [s.title for s in self.sections if s.failed]
        return f"failed: {', '.join(failed)}" if failed else "passed"

    def text(self) -> str:
        return "\n\n".join(s.text for s in self.sections) + f"\n\npricebook ci: {self.verdict()}\n"

    def markdown(self) -> str:
        icon = "❌" if self.exit_code else "✅"
        parts = [f"## {icon} pricebook ci: {self.verdict()}", ""] + [s.markdown for s in self.sections]
        return "\n".join(parts)

    def annotations(self) -> list[Diagnostic]:
        return [d for s in self.sections for d in s.annotations]

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.exit_code == 0,
            "fail_on": self.fail_on,
            "sections": [{"name": s.name, "status": s.status, **s.data} for s in self.sections],
        }


def resolve_ci_base(option: str | None, settings: Any, environ: Mapping[str, str] | None = None) -> str:
    """BASE, first found: ``--base`` as given; else, at its merge base with HEAD, the pull
    request's base branch in GitHub Actions (``origin/$GITHUB_BASE_REF``), else pricebook.yaml's
    ``base``, else ``origin/main`` (``derived_base``, as ``diff`` derives its default too).

    A derived base compares from where the branch left it (``origin/main...HEAD``), as GitHub's pull
    request view does: on a branch made before main moved on, what main did since is not shown as
    the branch undoing it. A ``release:<id>`` or a path stays as it is.
    """
    from pricebook.load.revision import against_merge_base, derived_base

    if option:
        return option
    return derived_base(settings, environ) or against_merge_base(DEFAULT_BASE)


def run_ci(
    catalog_dir: Path,
    base: str,
    fail_on: str,
    settings: Any = None,
    overrides: dict[str, str] | None = None,
    sections: list[Section] | None = None,
) -> CiResult:
    """Run every section against the working tree; one result, one exit code."""
    ctx = CiContext(Path(catalog_dir), base, fail_on, settings, dict(overrides or {}))
    return CiResult([section(ctx) for section in (SECTIONS if sections is None else sections)], fail_on)
