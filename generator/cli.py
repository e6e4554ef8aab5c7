"""`digest`: the command line. Thin: loads config, calls the pipeline, turns errors into one line each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import jinja2

from . import files
from .check import Report, check_feeds, check_pages, check_sightings, check_site_links, check_site_pages
from .config import Config, parse_config
from .errors import DigestError, Problem, Warning_
from .models import DumpFile, Paper
from .parse import header_date, parse_date_line
from .pipeline import Progress, build, extend, parse_all
from .state import state_key
from .theme_model import EXAMPLES_FILE, LABELS_FILE

# How many warnings of one kind are printed before the rest are counted.
WARNINGS_SHOWN = 5


class Project:
    """Where things are: mkdocs.yml and its neighbours themes.yml, overrides.yml, templates/."""

    def __init__(self, config_file: Path) -> None:
        self.config_file = config_file
        self.root = config_file.parent

    def load_config(self) -> Config:
        themes_path = self.root / "themes.yml"
        overrides_path = self.root / "overrides.yml"
        labels_path = self.root / LABELS_FILE
        examples_path = self.root / EXAMPLES_FILE
        mkdocs_text = files.read_text(self.config_file)
        themes_text = files.read_text(themes_path)
        assert mkdocs_text is not None and themes_text is not None
        return parse_config(
            mkdocs_text,
            themes_text,
            files.read_text(overrides_path, required=False),
            mkdocs_path=files.display(self.config_file),
            themes_path=files.display(themes_path),
            overrides_path=files.display(overrides_path),
            labels_text=files.read_text(labels_path, required=False),
            labels_path=files.display(labels_path),
            examples_text=files.read_text(examples_path, required=False),
            examples_path=files.display(examples_path),
        )

    @property
    def cache_dir(self) -> Path:
        """Where builds keep what only saves work (see the README's Caches)."""
        return self.root / ".cache" / "digest"

    @property
    def cache_file(self) -> Path:
        return self.cache_dir / "build.pickle"

    @property
    def state_file(self) -> Path:
        return self.cache_dir / "state.pickle"

    @property
    def state_months(self) -> Path:
        """The folder beside the state holding its papers a month per file, and its items' texts."""
        return files.months_folder(self.state_file)

    def stamp_file(self, out_dir: Path) -> Path:
        return files.stamp_file(self.cache_dir, out_dir)

    def loader(self) -> jinja2.BaseLoader:
        return jinja2.FileSystemLoader(str(self.root / "templates"))


@dataclass(frozen=True)
class BuildSummary:
    """What a build reports: counts and warnings (also for a build that found nothing to do)."""

    entries: int
    papers: int
    dumps: int
    warnings: tuple[Warning_, ...]
    up_to_date: bool = False
    extended: bool = False  # the last build's state was extended with new days
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    cache_notes: tuple[str, ...] = ()  # damaged cache files, ignored (never fatal: they only save work)


def run_build(
    project: Project,
    dumps_dir: Path,
    out_dir: Path,
    *,
    strict: bool,
    progress: Progress | None = None,
    use_cache: bool = True,
) -> tuple[BuildSummary, files.WriteReport]:
    """Read, build in memory, then write under the lock. Shared by the CLI and the MkDocs hook.

    When the dumps, the config files, the templates and the generator's code are those of the
    last build into `out_dir`, and every file it wrote is still as it left it, there is nothing
    to do (as `make` would say): the build reports the last build's figures and writes nothing.
    That makes `mkdocs build` after `digest build` (and a `mkdocs serve` rebuild after a page
    edit) cheap however large the archive."""
    started = time.perf_counter()
    config = project.load_config()
    notes: files.CacheNotes = []
    if use_cache:
        for folder in (project.cache_dir, project.state_months):
            files.remove_stale_temporaries(folder)
    digests = files.DumpDigests(project.cache_dir / "dumps.json", notes) if use_cache else None
    dumps = files.read_dumps(dumps_dir, digests)
    code = files.code_fingerprint()
    stamp = files.build_stamp(project.root, dumps, out_dir, code)
    if digests is not None:
        digests.save(dumps)
    read_s = time.perf_counter() - started
    if use_cache:
        last = files.read_stamp(project.stamp_file(out_dir), out_dir, stamp, notes)
        if last is not None:
            summary = BuildSummary(
                last["entries"],
                last["papers"],
                last["dumps"],
                tuple(Warning_(*w) for w in last["warnings"]),
                up_to_date=True,
                timings={"read": read_s},
                cache_notes=tuple(notes),
            )
            if strict and summary.warnings:
                raise DigestError([w.as_problem() for w in summary.warnings])
            return summary, files.WriteReport((), (), len(last["files"]))
    # The next day: extend the last build (generator/incremental.py); otherwise build cold.
    loading = time.perf_counter()
    state = files.load_state(project.state_file, state_key(code, config), notes) if use_cache else None
    state_s = time.perf_counter() - loading
    result = None
    if state is not None:
        known, previous_archive = files.as_written(state, out_dir)
        state_s = time.perf_counter() - loading
        result = extend(state, dumps, config, project.loader(), code, known, previous_archive)
        if result is None and state.store.damaged:
            files.note_damaged(notes, project.state_months / state.store.damaged, "not what was stored")
    if result is None:
        cache = files.load_cache(project.cache_file, code, notes) if use_cache else None
        result = build(dumps, config, project.loader(), progress=progress, cache=cache)
    warnings = (*config.warnings(brief.id for brief in result.briefs), *result.warnings)
    if strict and warnings:
        raise DigestError([w.as_problem() for w in warnings])
    timings = {"read": read_s, "load state": state_s, **result.timings}
    summary = BuildSummary(
        result.entries,
        len(result.briefs),
        result.dumps_seen,
        warnings,
        extended=result.cache is None and result.state is not None,
        timings=timings,
        cache_notes=tuple(notes),
    )
    written = time.perf_counter()
    with files.build_lock(out_dir):
        saver = files.StateSaver(project.state_file, result.state).start() if result.state is not None else None
        report = files.write_tree(out_dir, result.files, result.kept)
        if result.cache is not None and result.cache.misses:
            files.save_cache(project.cache_file, result.cache)
        if saver is not None:
            saver.finish(out_dir)
        files.write_stamp(
            project.stamp_file(out_dir),
            out_dir,
            stamp,
            [*result.files, *result.kept],
            {
                "entries": summary.entries,
                "papers": summary.papers,
                "dumps": summary.dumps,
                "warnings": [[w.path, w.line, w.what, w.todo] for w in summary.warnings],
            },
        )
    timings["write"] = time.perf_counter() - written
    return summary, report


def format_warnings(warnings: Sequence[Warning_]) -> list[str]:
    """One line per warning; after WARNINGS_SHOWN of one kind, one line counting the rest."""
    by_kind: dict[str, list[Warning_]] = defaultdict(list)
    for w in warnings:
        by_kind[w.what].append(w)
    lines: list[str] = []
    for kind_warnings in by_kind.values():
        lines.extend(f"Warning: {w}" for w in kind_warnings[:WARNINGS_SHOWN])
        if len(kind_warnings) > WARNINGS_SHOWN:
            rest = len(kind_warnings) - WARNINGS_SHOWN
            lines.append(f"Warning: … and {rest} more like this ({kind_warnings[0].what})")
    return lines


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    try:
        yield
    except DigestError as exc:
        for problem in exc.problems:
            click.echo(f"Error: {problem}", err=True)
        _to_job_summary("digest: failed", [], [str(p) for p in exc.problems], failed=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted: nothing was changed.", err=True)
        sys.exit(130)


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar on a terminal; nothing when output is not a TTY."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import Progress as RichProgress

    # Refreshed here rather than by rich's thread: with a thread running, the build cannot fork
    # its workers (processes.can_fork) and would use one core.
    with RichProgress(transient=True, auto_refresh=False) as bar:
        tasks: dict[str, Any] = {}
        shown = 0.0

        def update(stage: str, done: int, total: int) -> None:
            nonlocal shown
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)
            if time.monotonic() - shown > 0.1 or done == total:
                bar.refresh()
                shown = time.monotonic()

        yield update


_dumps_option = click.option(
    "--dumps", "dumps_dir", type=click.Path(path_type=Path), default=Path("dumps"), show_default=True,
    help="Folder of dumps named YYYY-MM-DD.txt.",
)  # fmt: skip
_out_option = click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=Path("docs"), show_default=True,
    help="Docs folder the pages, feeds and data/papers.json are generated into.",
)  # fmt: skip
_config_option = click.option(
    "--config", "config_file", type=click.Path(path_type=Path), default=Path("mkdocs.yml"), show_default=True,
    help="The site's mkdocs.yml; themes.yml, overrides.yml and templates/ are read beside it.",
)  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="digest")
def main() -> None:
    """Turn daily paper-listing dumps into a themed MkDocs site with feeds."""


@main.command("build")
@_dumps_option
@_out_option
@_config_option
@click.option("--strict", is_flag=True, help="Treat warnings (malformed entries, cp1252) as errors.")
@click.option("--no-cache", is_flag=True, help="Ignore the build cache in .cache/digest/ (the output is the same).")
def build_command(dumps_dir: Path, out_dir: Path, config_file: Path, strict: bool, no_cache: bool) -> None:
    """Parse every dump, deduplicate, assign themes and write pages, feeds and the archive."""
    with _errors_to_exit():
        with _progress_bar(True) as progress:
            result, report = run_build(
                Project(config_file), dumps_dir, out_dir, strict=strict, progress=progress, use_cache=not no_cache
            )
        # After the bar is gone: the summary is printed on lines of its own.
        lines = [f"Warning: {note}" for note in result.cache_notes] + format_warnings(result.warnings)
        for line in lines:
            click.echo(line, err=True)
        what = f"{result.entries} sightings of {result.papers} papers from {result.dumps} dumps; " + (
            f"up to date: nothing changed since the last build into {files.display(out_dir)}/"
            if result.up_to_date
            else f"{len(report.written)} files written, {len(report.removed)} removed, "
            f"{report.unchanged} unchanged in {files.display(out_dir)}/"
            + (" (the last build, extended with the new dumps)" if result.extended else "")
        )
        click.echo(what)
        count = len(result.warnings) + len(result.cache_notes)
        if count:
            click.echo(
                f"{count} warning{'s' if count != 1 else ''} (see above): published anyway; "
                "`digest build --strict` makes dump and config warnings errors",
                err=True,
            )
        _to_job_summary("digest build", [what], [*result.cache_notes, *(str(w) for w in result.warnings)])


def _to_job_summary(title: str, lines: Sequence[str], problems: Sequence[str], *, failed: bool = False) -> None:
    """On GitHub Actions, add a section to the job's summary page ($GITHUB_STEP_SUMMARY):
    the outcome and each problem with its file:line, so a warning is seen without the log."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    kind = "error" if failed else "warning"
    text = [f"### {title}", "", *lines, ""]
    if problems:
        text.append(
            f"**{len(problems)} {kind}{'s' if len(problems) != 1 else ''}**"
            + ("" if failed else " (published anyway):")
        )
        text += ["", *(f"- `{_code_span(p)}`" for p in problems), ""]
    files.append_text(Path(target), "\n".join(text) + "\n")


def _code_span(text: str) -> str:
    return text.replace("`", "'").replace("\n", " ")


@main.command("check")
@_dumps_option
@_out_option
@_config_option
@click.option(
    "--site", "site_dir", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
    help="Built site to crawl for broken internal links (skipped when the folder does not exist).",
)  # fmt: skip
@click.option(
    "--deploy", is_flag=True, help="Also refuse the shipped placeholder site_url (the deploy workflow passes it)."
)
def check_command(dumps_dir: Path, out_dir: Path, config_file: Path, site_dir: Path, deploy: bool) -> None:
    """Verify the last build: every sighting, page, feed item and internal link is accounted for."""
    with _errors_to_exit():
        project = Project(config_file)
        config = project.load_config()
        placeholder = config.placeholder_problem()
        if deploy and placeholder is not None:
            raise DigestError(placeholder)
        entries, _ = parse_all(files.read_dumps(dumps_dir))
        archive = files.read_archive(out_dir)
        report = Report()
        check_sightings(entries, archive, report)
        docs = files.read_tree(out_dir, (".md", ".xml", ".json"))
        check_pages(archive, docs, report)
        check_feeds(docs, config.site.site_url, report)
        if site_dir.is_dir():
            site = files.site_tree(site_dir)
            check_site_pages(docs, site, files.display(site_dir), report)
            check_site_links(site, config.site.site_url, report)
        counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
        if not report.ok:
            for problem in report.problems:
                click.echo(f"Error: {problem}", err=True)
            click.echo(f"check failed: {len(report.problems)} problems ({counts})", err=True)
            _to_job_summary("digest check", [f"check failed ({counts})"], report.problems, failed=True)
            sys.exit(1)
        click.echo(f"check passed: {counts}")
        _to_job_summary("digest check", [f"check passed: {counts}"], [])


@main.command("add")
@click.argument("raw", type=click.Path(path_type=Path))
@click.option(
    "--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), help="The dump's day (default: its header date)."
)
@_dumps_option
def add_command(raw: Path, day: Any, dumps_dir: Path) -> None:
    """Copy a raw dump into the dumps folder under its canonical name YYYY-MM-DD.txt."""
    with _errors_to_exit():
        # The same checks with or without --date, before anything is copied: a file that is not
        # a listing (a saved web page, binary, no entry) is refused naming the file and line.
        data = files.raw_bytes(raw)
        probe = DumpFile(raw.name, day.date() if day is not None else date.today(), data, files.display(raw))
        parse_all([probe])
        the_day = day.date() if day is not None else _day_from_header(probe)
        target, copied = files.add_dump(raw, dumps_dir, f"{the_day.isoformat()}.txt")
        verb = "added" if copied else "already there:"
        click.echo(f"{verb} {files.display(target)}")


def _day_from_header(dump: DumpFile) -> date:
    text = header_date(dump)
    today = date.today()
    parsed = parse_date_line(text, today) if text else None
    if parsed is None:
        raise DigestError(Problem(dump.path, None, "the dump's header carries no date", "pass --date YYYY-MM-DD"))
    click.echo(f"header date {text!r}: taking {parsed[0].isoformat()} (the latest such day not after today)")
    return parsed[0]


@main.group("themes")
def themes_group() -> None:
    """Inspect theme assignment: why a paper got its themes, and what new themes to add."""


def _archive_papers(out_dir: Path) -> list[Paper]:
    from .archive import papers_from_archive

    return papers_from_archive(files.read_archive(out_dir))


@themes_group.command("explain")
@click.argument("query")
@_out_option
@_config_option
def themes_explain(query: str, out_dir: Path, config_file: Path) -> None:
    """Why a paper (by id or title words) got its themes: the rule terms matched, what the
    learned model added per theme, the most similar labelled papers and how to change it."""
    from .theme_model import ThemeModel, explain, override_examples

    with _errors_to_exit():
        config = Project(config_file).load_config()
        papers = _archive_papers(out_dir)
        paper = _find_paper(papers, query)
        model = ThemeModel(config.themes, override_examples(papers, config.overrides))
        click.echo(explain(paper, model, config.overrides))


def _find_paper(papers: Sequence[Paper], query: str) -> Paper:
    by_id = {p.id: p for p in papers}
    if query in by_id:
        return by_id[query]
    from rapidfuzz import fuzz, process

    from .dedupe import normalize

    titles = {p.id: normalize(p.title) for p in papers}
    match = process.extractOne(normalize(query), titles, scorer=fuzz.WRatio, score_cutoff=70)
    if match is None:
        raise DigestError(
            Problem("data/papers.json", None, f"no paper matches {query!r}", "pass a paper id or more title words")
        )
    return by_id[match[2]]


@themes_group.command("review")
@_out_option
@_config_option
@click.option("--max", "max_papers", default=20, show_default=True, help="At most this many papers.")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Only the papers first seen on the archive's newest N days (the deploy's job summary uses 1).",
)
def themes_review(out_dir: Path, config_file: Path, max_papers: int, days: int | None) -> None:
    """The papers whose themes the model is least sure of, least sure first, each with the
    overrides.yml line that pins it: the papers most worth checking and correcting."""
    from .theme_model import ThemeModel, least_sure, override_examples, review_text

    with _errors_to_exit():
        config = Project(config_file).load_config()
        papers = _archive_papers(out_dir)
        model = ThemeModel(config.themes, override_examples(papers, config.overrides))
        scope = ""
        if days is not None and papers:
            since = sorted({p.first_seen for p in papers})[-days:][0]  # the oldest of the newest N days
            papers = [p for p in papers if p.first_seen >= since]
            scope = f" first seen since {since.isoformat()}"
        unsure = least_sure(papers, model, config.overrides, max_papers)
        click.echo(review_text(unsure, len(papers), scope), nl=False)


@themes_group.command("suggest")
@_out_option
@_config_option
@click.option("--max", "max_themes", default=5, show_default=True, help="At most this many candidate themes.")
def themes_suggest(out_dir: Path, config_file: Path, max_themes: int) -> None:
    """Cluster the papers that landed in `other` and print candidate themes for themes.yml."""
    from .themes import suggest

    with _errors_to_exit():
        config = Project(config_file).load_config()
        click.echo(suggest(_archive_papers(out_dir), config.themes, max_themes=max_themes))


@main.command("site")
@_dumps_option
@_config_option
@click.option(
    "--site",
    "site_dir",
    type=click.Path(path_type=Path),
    default=Path("site"),
    show_default=True,
    help="Where the built site goes.",
)
@click.option("--strict", is_flag=True, help="Treat dump and config warnings as errors (as `digest build --strict`).")
def site_command(dumps_dir: Path, config_file: Path, site_dir: Path, strict: bool) -> None:
    """Generate the pages, run `mkdocs build --strict` into a staging folder and swap it in.

    The staging folder starts as a copy of the last site/ (its search bundles aside, which are
    rebuilt from their own cache), and MkDocs runs with --dirty: only the pages whose Markdown
    the generator rewrote are built again. The hook builds every page instead whenever the
    copy is not exactly what the last build left or anything else a page shows changed (see
    mkdocs_hook._choose_dirty_or_full); either way the result is a full build's, byte for byte."""
    with _errors_to_exit():
        staging = site_dir.with_name(f".{site_dir.name}.staging")
        if site_dir.is_dir():
            files.copy_site(site_dir, staging)
        env = dict(os.environ, DIGEST_DUMPS=str(dumps_dir), DIGEST_PUBLISHED_SITE=str(site_dir.resolve()))
        # The search bundles site/ holds already are moved into the new site, not linked (swap_dir).
        hand_over = staging.with_name(f"{staging.name}.hand-over.json")
        files.remove(hand_over)
        env[files.HAND_OVER_ENV] = str(hand_over.resolve())
        if strict:
            env["DIGEST_STRICT"] = "1"  # read by the hook (generator/mkdocs_hook.py)
        env.setdefault("NO_MKDOCS_2_WARNING", "1")  # a banner about a future MkDocs, not about this site
        command = [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--dirty",
            "--config-file",
            str(config_file),
            "--site-dir",
            str(staging.resolve()),
        ]
        done = subprocess.run(command, env=env, check=False)
        if done.returncode != 0:
            raise DigestError(
                Problem(
                    files.display(config_file),
                    None,
                    "mkdocs build --strict failed (see above); site/ is unchanged",
                    "fix what it reports and run again",
                )
            )
        handed_over = json.loads(hand_over.read_text(encoding="utf-8")) if hand_over.is_file() else []
        files.remove(hand_over)
        try:
            files.swap_dir(staging, site_dir, handed_over)
        except OSError as exc:
            raise DigestError(
                Problem(files.display(site_dir), None, f"the new site could not take its place: {exc}", "run again")
            ) from None
        click.echo(f"built {files.display(site_dir)}/")
