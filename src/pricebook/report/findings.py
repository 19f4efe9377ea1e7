"""Findings for machines and pull requests: GitHub annotations, SARIF 2.1.0, JUnit XML, markdown.

``render`` works on any list of ``Diagnostic``: validation findings, and the changes of ``diff``
converted to Diagnostics (with their severity mapped) — so every command that reports findings
prints them the same way. Renderers return text; they never decide exit codes.

GitHub annotations, SARIF and JUnit name each file by its path from the root of its git work tree
(``repo_path``), so the result does not depend on the folder the command ran in. Markdown and JSON
keep the path as loaded, like the text output.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

from pricebook.diagnostics import Diagnostic

FORMATS = ("github", "sarif", "junit", "markdown", "json")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def render(fmt: str, diagnostics: Sequence[Diagnostic], tool: str = "pricebook",
           describe: Callable[[str], str | None] | None = None) -> str:
    """Render ``diagnostics`` as ``fmt`` (github, sarif, junit, markdown or json).

    ``tool`` names the run (``pricebook validate``, ``pricebook diff``); ``describe`` maps a rule id
    to a one-line description for SARIF's rule list (default: the docstrings of registered rules).
    """
    if fmt == "github":
        return github(diagnostics, tool)
    if fmt == "sarif":
        return sarif(diagnostics, tool, describe)
    if fmt == "junit":
        return junit(diagnostics, tool)
    if fmt == "markdown":
        return markdown(diagnostics, tool)
    if fmt == "json":
        valid = not any(d.severity == "error" for d in diagnostics)
        data = {"valid": valid, "diagnostics": [d.to_dict() for d in diagnostics]}
        return json.dumps(data, indent=2) + "\n"
    raise ValueError(f"unknown findings format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _title(d: Diagnostic) -> str:
    return f"{d.rule} {d.name}".strip()


def _message(d: Diagnostic) -> str:
    """The message with the catalog path and the fix, for formats that have one text field."""
    out = d.message
    if d.path:
        out += f" [{d.path}]"
    if d.fix:
        out += f" (fix: {d.fix})"
    return out


# --- GitHub workflow commands ---------------------------------------------------------------


def _gh_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_prop(s: str) -> str:
    return _gh_data(s).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: Sequence[Diagnostic], tool: str = "pricebook") -> str:
    """One workflow command per finding: ``::error file=F,line=L,col=C,title=T::message``
    (escaped as GitHub's runner expects: ``%``, CR and LF everywhere, ``:`` and ``,`` in properties)."""
    lines = []
    for d in _placed(diagnostics):
        props = []
        if d.file:
            props.append(f"file={_gh_prop(d.file)}")
            if d.line is not None:
                props.append(f"line={d.line}")
                props.append(f"col={d.column or 1}")
        props.append(f"title={_gh_prop(_title(d))}")
        lines.append(f"::{_GITHUB_LEVEL[d.severity]} {','.join(props)}::{_gh_data(_message(d))}")
    return "".join(line + "\n" for line in lines)


def repo_path(file: str) -> str:
    """Where a finding's file is for GitHub (annotations, code scanning) and CI tools: relative to
    the root of the git work tree that holds it, whatever folder the command ran in (GitHub places
    a finding only by its path from the repository root). Outside a git work tree: relative to
    ``$GITHUB_WORKSPACE`` when the file is inside it, else unchanged."""
    import os
    from pathlib import Path

    from pricebook.gitrepo import worktree_root

    try:
        absolute = (Path.cwd() / file).resolve()
    except (OSError, RuntimeError):
        return file
    for root in (worktree_root(absolute), os.environ.get("GITHUB_WORKSPACE")):
        if not root:
            continue
        try:
            return absolute.relative_to(Path(root).resolve()).as_posix()
        except (ValueError, OSError):
            continue
    return file


def _placed(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """``diagnostics`` with each file as ``repo_path`` gives it (looked up once per file)."""
    from dataclasses import replace

    paths: dict[str, str] = {}
    out = []
    for d in diagnostics:
        if d.file:
            if d.file not in paths:
                paths[d.file] = repo_path(d.file)
            d = replace(d, file=paths[d.file])
        out.append(d)
    return out


# --- SARIF 2.1.0 ----------------------------------------------------------------------------


def registered_rule_descriptions() -> dict[str, str]:
    """Rule id -> the first line of its docstring, for every registered semantic rule."""
    from pricebook.rules import all_rules

    out = {}
    for r in all_rules():
        doc = (type(r).__doc__ or "").strip()
        out[r.id] = " ".join(doc.split("\n\n", 1)[0].split())
    return out


def sarif(diagnostics: Sequence[Diagnostic], tool: str = "pricebook",
          describe: Callable[[str], str | None] | None = None) -> str:
    """A SARIF 2.1.0 log: one run, the rules that fired (id, name, description, default level) and
    one result per finding with its physical location and the catalog path as a logical location."""
    from pricebook import __version__

    if describe is None:
        known = registered_rule_descriptions() if any(d.rule.startswith("PB") for d in diagnostics) else {}
        describe = known.get
    rules: dict[str, dict[str, object]] = {}
    for d in diagnostics:
        if d.rule not in rules:
            text = describe(d.rule) or d.name or d.rule
            rules[d.rule] = {
                "id": d.rule,
                "name": d.name or d.rule,
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": _SARIF_LEVEL[d.severity]},
            }
    index = {rid: i for i, rid in enumerate(rules)}
    results = []
    for d in _placed(diagnostics):
        result: dict[str, object] = {
            "ruleId": d.rule,
            "ruleIndex": index[d.rule],
            "level": _SARIF_LEVEL[d.severity],
            "message": {"text": d.message + (f" (fix: {d.fix})" if d.fix else "")},
        }
        location: dict[str, object] = {}
        if d.file:
            physical: dict[str, object] = {"artifactLocation": {"uri": d.file.replace("\\", "/")}}
            if d.line is not None:
                physical["region"] = {"startLine": d.line, "startColumn": d.column or 1}
            location["physicalLocation"] = physical
        if d.path:
            location["logicalLocations"] = [{"fullyQualifiedName": d.path, "kind": "member"}]
        if location:
            result["locations"] = [location]
        if d.fix:
            result["properties"] = {"fix": d.fix}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "pricebook", "version": __version__, "fullName": tool,
                                "rules": list(rules.values())}},
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


# --- JUnit XML ------------------------------------------------------------------------------


def junit(diagnostics: Sequence[Diagnostic], tool: str = "pricebook") -> str:
    """JUnit XML: one testcase per finding. Errors are failures; warnings and infos are passing
    testcases that carry the finding in ``system-out`` (JUnit has no warning state). A clean run
    is one passing testcase, so CI dashboards show that the check ran."""
    import xml.etree.ElementTree as ET

    errors = sum(1 for d in diagnostics if d.severity == "error")
    tests = max(len(diagnostics), 1)
    suites = ET.Element("testsuites", name=tool, tests=str(tests), failures=str(errors), errors="0")
    suite = ET.SubElement(suites, "testsuite", name=tool, tests=str(tests), failures=str(errors), errors="0",
                          skipped="0")
    if not diagnostics:
        ET.SubElement(suite, "testcase", classname=tool, name="no findings")
    for d in _placed(diagnostics):
        attrs = {"classname": d.file or tool, "name": f"{_title(d)} at {d.location}"}
        if d.file:
            attrs["file"] = d.file
        if d.line is not None:
            attrs["line"] = str(d.line)
        case = ET.SubElement(suite, "testcase", attrs)
        detail = f"{d.location}: {d.severity} {_title(d)}: {_message(d)}"
        if d.severity == "error":
            failure = ET.SubElement(case, "failure", type=d.rule, message=d.message)
            failure.text = detail
        else:
            out = ET.SubElement(case, "system-out")
            out.text = detail
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


# --- markdown -------------------------------------------------------------------------------


def _md(s: str) -> str:
    return " ".join(s.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").split())


def markdown(diagnostics: Sequence[Diagnostic], tool: str = "pricebook",
             counts: Mapping[str, int] | None = None) -> str:
    """A markdown section for a PR comment or ``$GITHUB_STEP_SUMMARY``: a summary line and a table."""
    counts = counts or {s: sum(1 for d in diagnostics if d.severity == s)
                        for s in ("error", "warning", "info")}
    lines = [f"### {_md(tool)}", ""]
    if not diagnostics:
        lines.append("✅ No findings.")
        return "\n".join(lines) + "\n"
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    verdict = "❌ Failed" if counts.get("error") else "⚠️ Passed with warnings"
    lines += [f"{verdict}: {summary}.", "",
              "| | Rule | Location | Path | Message | Fix |", "|---|---|---|---|---|---|"]
    for d in diagnostics:
        path = f"`{_md(d.path)}`" if d.path else ""
        lines.append(f"| {_ICON[d.severity]} | {_md(_title(d))} | `{_md(d.location)}` | {path} "
                     f"| {_md(d.message)} | {_md(d.fix or '')} |")
    return "\n".join(lines) + "\n"
