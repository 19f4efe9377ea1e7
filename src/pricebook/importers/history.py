"""One product's Pricing2Yaml years -> a git repository with a real price history.

Layout of the repository::

    pricebook.yaml                catalog: catalogs/<saas>
    catalogs/<saas>/catalog.yaml  plans.yaml  add_ons.yaml
    catalogs/<saas>/releases/     one release per year

Per file, oldest first, two commits dated the file's ``createdAt`` (author and committer date): the
catalog as converted ("Import ..."), then the release cut from that commit ("Release ...", whose
``source_commit`` is the import commit). The release id is ``createdAt`` as ``YYYY.MM.DD`` and it is
effective from that day, 00:00 UTC. So ``diff release:A release:B``, ``history`` and ``releases``
read like the real timeline.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pricebook.errors import GuardError, InputError, UsageError
from pricebook.importers.pricing2yaml import (
    Converted,
    check_not_in_catalog,
    convert,
    file_result,
    read_pricing,
    slugify,
    write_catalog,
)
from pricebook.importers.report import FileResult, ImportReport

DEFAULT_USER = ("pricebook import", "import@pricebook.invalid")


@dataclass(frozen=True)
class YearCommit:
    """What one source file became: its import commit and its release (None when unchanged)."""

    source: str
    created_at: str
    commit: str
    release_id: str | None
    release_commit: str | None
    skipped_reason: str | None = None


@dataclass
class HistoryResult:
    repo: str
    catalog_dir: str
    report: ImportReport
    years: list[YearCommit] = field(default_factory=list)


def _sources(product_dir: Path) -> list[Path]:
    if not product_dir.is_dir():
        raise InputError(f"--history {product_dir}: not a folder (give one product's folder of yearly files)")
    files = sorted(p for p in product_dir.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    if not files:
        raise InputError(f"--history {product_dir}: no *.yml or *.yaml files in this folder")
    return files


def _commit_message(conv: Converted, source: str, result: FileResult) -> str:
    counts = Counter(i.category for i in conv.issues)
    unmapped = ", ".join(f"{k} {v}" for k, v in counts.most_common()) or "none"
    lines = [f"Import {conv.saas_name} pricing of {conv.created_at} from Pricing2Yaml", ""]
    if conv.url:
        lines.append(f"Pricing page: {conv.url}")
    lines += [f"Source file: {source}",
              f"Plans: {result.plans} ({result.sales_negotiated} sales-negotiated), "
              f"features: {result.features}, add-ons: {result.add_ons}",
              f"Not mapped ({len(conv.issues)}): {unmapped}"]
    return "\n".join(lines) + "\n"


def import_history(product_dir: str | Path, repo_out: str | Path, strict: bool = False) -> HistoryResult:
    """Turn ``product_dir`` (one product's ``<year>.yml`` files) into a new git repository at
    ``repo_out`` with one import commit and one release per file, dated the file's ``createdAt``.

    Every file is converted before anything is written; ``repo_out`` must not exist or be empty.
    With ``strict``, an unmapped item anywhere means nothing is written (``report.written`` False).
    """
    import git

    from pricebook.gitrepo import GitRepo
    from pricebook.releases import cut_release
    from pricebook.validation import validate_path

    product = Path(product_dir)
    saas = slugify(product.resolve().name)
    converted: list[tuple[str, Converted]] = []
    for src in _sources(product):
        display = f"{product.resolve().name}/{src.name}"
        doc, positions = read_pricing(src, display)
        conv = convert(doc, display, positions, catalog_id=saas)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", conv.created_at):
            raise InputError(f"{display}: createdAt {conv.created_at or '(missing)'!r} is not a date "
                             "(YYYY-MM-DD); --history needs one to date the commit and the release")
        converted.append((display, conv))
    converted.sort(key=lambda c: c[1].created_at)
    dates = Counter(c.created_at for _, c in converted)
    if (twice := [d for d, n in dates.items() if n > 1]):
        raise InputError(f"--history {product}: several files are dated {twice[0]}; one file per date")

    out = Path(repo_out)
    catalog_dir = out / "catalogs" / saas
    if strict and any(conv.issues for _, conv in converted):
        report = ImportReport([file_result(conv, display, str(catalog_dir)) for display, conv in converted],
                              written=False)
        return HistoryResult(str(out), str(catalog_dir), report)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"--repo {out} exists and is not empty; give a new folder")
    check_not_in_catalog(out, "--repo")
    out.mkdir(parents=True, exist_ok=True)
    try:
        raw = git.Repo.init(out, initial_branch="main")
    except git.GitCommandError as exc:
        raise UsageError(f"git init {out} failed: {' '.join(str(exc.stderr).split())}") from exc
    reader = raw.config_reader()
    if not reader.has_option("user", "name") or not reader.has_option("user", "email"):
        with raw.config_writer() as cw:
            cw.set_value("user", "name", DEFAULT_USER[0])
            cw.set_value("user", "email", DEFAULT_USER[1])
    repo = GitRepo(raw)
    (out / "pricebook.yaml").write_text(f"catalog: catalogs/{saas}\n", encoding="utf-8")
    result = HistoryResult(str(out), str(catalog_dir), ImportReport())
    for display, conv in converted:
        write_catalog(catalog_dir, conv.files)
        fr = file_result(conv, display, str(catalog_dir))
        fr.diagnostics = validate_path(catalog_dir).diagnostics
        result.report.files.append(fr)
        stamp = f"{conv.created_at}T00:00:00+00:00"
        with raw.git.custom_environment(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp):
            sha = repo.commit(["pricebook.yaml", f"catalogs/{saas}"], _commit_message(conv, display, fr))
        rid = conv.created_at.replace("-", ".")
        effective = datetime.fromisoformat(conv.created_at).replace(tzinfo=UTC)
        try:
            cut_release(catalog_dir, release_id=rid, effective=effective,
                        notes=f"{conv.saas_name} pricing page of {conv.created_at} (imported from {display})")
        except GuardError as exc:
            # e.g. nothing changed since last year's release: the commit stands, no release is cut
            result.years.append(YearCommit(display, conv.created_at, sha, None, None, str(exc)))
            continue
        with raw.git.custom_environment(GIT_AUTHOR_DATE=stamp, GIT_COMMITTER_DATE=stamp):
            rsha = repo.commit([f"catalogs/{saas}/releases"],
                               f"Release {rid}: {conv.saas_name} prices effective {conv.created_at}\n")
        result.years.append(YearCommit(display, conv.created_at, sha, rid, rsha))
    return result
