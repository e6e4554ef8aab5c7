"""MkDocs hook: `mkdocs build` and `mkdocs serve` run the generator themselves.

Listed under `hooks:` in mkdocs.yml. Before each build it runs `digest build` into docs_dir (in
a process of its own; the writer only rewrites files whose bytes changed, so `mkdocs serve` does
not loop) and sets the navigation from the theme list. While MkDocs builds, it sets the
generator's finished HTML (paper blocks and lists) aside from Markdown and puts it back into
each written page, and indexes the archive's papers for search (generator/search.py). Under
`mkdocs serve` it watches dumps/, themes.yml, overrides.yml, the labels and examples files and templates/.
"""

from __future__ import annotations

import html
import json
import logging
import os
import posixpath
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

import generator
from generator import files
from generator.archive import ARCHIVE_PATH
from generator.cli import Project
from generator.errors import DigestError
from generator.files import HAND_OVER_ENV, list_dumps
from generator.parse import day_from_name
from generator.pipeline import GENERATED
from generator.render import RAW_BLOCK
from generator.search import SearchIndex

log = logging.getLogger("mkdocs.hooks.digest")
# The SOURCE_DATE_EPOCH this hook set (under `mkdocs serve` a new dump may move it on).
_pinned: dict[str, str] = {}
# Theme id -> name, in the taxonomy's order: what search results show and filter by.
_theme_names: dict[str, str] = {}


class _DirtyIsChecked(logging.Filter):
    """MkDocs warns that a --dirty build may leave navigation and links stale. Here it cannot:
    the generator rewrites every page whose content changed (navigation is fixed, day pages'
    links are their own), `digest site` builds dirty only while nothing else changed, and
    tests/test_dirty.py holds a dirty site to a full build byte for byte. So the warning, which
    strict mode would make fatal, is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


logging.getLogger("mkdocs.commands.build").addFilter(_DirtyIsChecked())


def _dumps_dir(config: Any) -> Path:
    root = Path(config.config_file_path).parent
    return Path(os.environ.get("DIGEST_DUMPS") or root / "dumps")


def on_config(config: Any) -> Any:
    """The navigation, from themes.yml. A config file that is wrong stops `mkdocs build`; under
    `mkdocs serve` (which reloads the config at every change) it must not, or the preview hangs
    until the file is fixed: the last good navigation stays, and the build that follows shows
    the error on every page (on_pre_build)."""
    project = Project(Path(config.config_file_path))
    _pin_build_date(_dumps_dir(config))
    try:
        themes = project.load_config().themes
    except DigestError as exc:
        if not _serve.get("serving"):
            raise PluginError("\n".join(f"Error: {p}" for p in exc.problems)) from None
        if "nav" in _serve:
            config.nav = _serve["nav"]
        return config
    _theme_names.clear()
    _theme_names.update((t.id, t.name) for t in themes.themes)
    # Short, explicit navigation: day pages are reached from Home and Archive, never listed in
    # the nav, so every page's HTML stays small however many days the archive holds.
    config.nav = [
        {"Home": "index.md"},
        {"Archive": "archive.md"},
        {"Themes": ["themes/index.md", *({t.name: f"themes/{t.id}/index.md"} for t in themes.themes)]},
        {"Stats": "stats.md"},
        {"Search": "search.md"},
        {"Subscribe": "subscribe.md"},
        {"About": "about.md"},
    ]
    _serve["nav"] = config.nav
    return config


def _pin_build_date(dumps_dir: Path) -> None:
    """Stamp what MkDocs dates (the sitemap) with the latest dump's day, not the clock, so the
    same dumps build the same site. An explicit SOURCE_DATE_EPOCH wins."""
    if os.environ.get("SOURCE_DATE_EPOCH") and os.environ.get("SOURCE_DATE_EPOCH") != _pinned.get("epoch"):
        return
    try:
        days = [day_from_name(p.name) for p in list_dumps(dumps_dir)]
    except DigestError:
        return  # the build itself reports what is wrong with the dumps
    latest = max((d for d in days if d), default=None)
    if latest is not None:
        moment = datetime(latest.year, latest.month, latest.day, tzinfo=UTC)
        _pinned["epoch"] = os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))


def on_startup(command: str, dirty: bool) -> None:
    _serve["serving"] = command == "serve"
    _run["dirty"] = dirty


def on_pre_build(config: Any) -> None:
    """Run `digest build` into docs_dir, in a process of its own: a large archive's build holds
    a gigabyte that MkDocs would otherwise keep for the rest of its own build.

    What stops a publish is the same as for `digest build` (README, "What stops a publish"):
    dump and config warnings are logged at INFO, which MkDocs' --strict does not count, and
    are fatal only with DIGEST_STRICT=1 (`digest site --strict`). An error stops `mkdocs build`;
    under `mkdocs serve` the preview keeps the last good pages and shows the error on each."""
    _settle_search()
    package_root = Path(generator.__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(package_root), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "generator", "build", "--dumps", str(_dumps_dir(config))]
    command += ["--out", str(config.docs_dir), "--config", str(config.config_file_path)]
    if os.environ.get("DIGEST_STRICT") == "1":
        command.append("--strict")
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    lines = done.stderr.splitlines()
    _serve.pop("error", None)
    if done.returncode != 0:
        errors = [line for line in lines if line.startswith("Error: ")] or lines[-20:] or ["Error: digest build failed"]
        if _serve.get("serving"):
            _serve["error"] = errors
            for line in errors:
                log.error("digest: %s", line.removeprefix("Error: "))
            log.error("digest: the preview shows the last good build; fix the file named above and save it")
            _choose_dirty_or_full(config)  # the error is on every page: all are built again
            return
        raise PluginError("\n".join(errors))
    for line in lines:
        if line.startswith("Warning: "):
            log.info("digest: warning: %s", line.removeprefix("Warning: "))
    log.info("digest: %s", done.stdout.strip())
    for line in lines:  # the count of warnings, last
        if line.strip() and not line.startswith("Warning: "):
            log.info("digest: %s", line)
    _choose_dirty_or_full(config)


# Under `mkdocs serve`: whether it is serving, and the last build's error, shown on every page.
_serve: dict[str, Any] = {}


def _error_banner() -> str:
    """The error of the last `digest build` as an alert at the top of a preview page."""
    items = "".join(f"<li><code>{html.escape(line.removeprefix('Error: '))}</code></li>" for line in _serve["error"])
    # Inside md-typeset, Material styles it as a "failure" admonition (in light and dark alike).
    return (
        '<div class="md-typeset" style="margin: 0.5rem 1rem">'
        '<div class="admonition failure digest-build-error" role="alert">'
        '<p class="admonition-title">digest build failed: this preview shows the last good build</p>'
        f"<ul>{items}</ul>"
        "<p>Fix the file named above (each line says what to do) and save it: this page reloads by itself.</p>"
        "</div></div>"
    )


def _with_error(output: str) -> str:
    if "error" not in _serve:
        return output
    body = re.search(r"<body[^>]*>", output)
    at = body.end() if body else 0
    return output[:at] + _error_banner() + output[at:]


def on_post_template(output_content: str, template_name: str, config: Any) -> str:
    return _with_error(output_content) if template_name == "404.html" else output_content


def _site_record(config: Any) -> tuple[Path, Path]:
    """(site folder, where its record is). `digest site` builds into a staging folder that then
    takes the place of site/: its record is site/'s (DIGEST_PUBLISHED_SITE names it)."""
    project = Project(Path(config.config_file_path))
    site_dir = Path(config.site_dir)
    published = Path(os.environ.get("DIGEST_PUBLISHED_SITE") or site_dir)
    return site_dir, files.site_record_file(project.cache_dir, published)


def _choose_dirty_or_full(config: Any) -> None:
    """Under --dirty, MkDocs builds again only the pages whose Markdown is newer than their
    HTML. That is the whole change while everything else a page shows is as it was (site_stamp)
    and site_dir holds exactly what the last build left there; otherwise site_dir is emptied
    first, so every page is built (the result of a full build either way)."""
    _run["pages"] = 0
    root = Path(config.config_file_path).parent
    _run["stamp"] = files.site_stamp(root, Path(config.docs_dir), files.code_fingerprint(), GENERATED)
    if _serve.get("error"):  # under serve, every page shows the error (and stops when it is fixed)
        _run["stamp"] += "+error:" + "\n".join(_serve["error"])
    if not _run["dirty"]:
        return
    site_dir, record = _site_record(config)
    if files.site_as_recorded(record, site_dir, _run["stamp"]):
        log.info("digest: --dirty: building again only the pages whose Markdown changed")
    else:
        files.clear_dir(site_dir)
        log.info(
            "digest: --dirty: building every page (the site folder is not the last build's, "
            "or the code, config, templates or hand-written pages changed)"
        )


# What stands in for block N while MkDocs works on the page; "!" in dump text always reaches
# Markdown as a character reference, so no dump can write a placeholder.
_PLACEHOLDER = re.compile(r"<p>DIGEST!BLOCK!(\d+)</p>")
_ANCHOR = re.compile(r'<h3 id="([^"]+)"')
_MD_HREF = re.compile(r'href="([^":#?]+\.md)(#[^"]*)?"')
# Per page, between on_page_markdown and on_page_content: the anchors inside its blocks.
_block_anchors: dict[str, set[str]] = {}
# The build's files, for on_post_page (which is not given them).
_site_files: dict[str, Any] = {}
# The search index being built for the current build.
_search: dict[str, Any] = {}
# This run's mode (--dirty) and, per build, the site stamp and the pages MkDocs read again.
_run: dict[str, Any] = {"dirty": False}


def on_files(files: Any, config: Any) -> Any:
    _site_files["files"] = files
    _unlink_rewritten(files, config)
    _start_search_index(files, config)
    return files


def _unlink_rewritten(files_: Any, config: Any) -> None:
    """Under --dirty, remove from site_dir each file this build will write, before MkDocs
    writes it. MkDocs writes into an existing file in place, and `digest site`'s staging
    folder is made of hard links to the published site/ (files.copy_site): written in place,
    the published file would change with it, half-written if the build stopped. A removed
    file is written anew; the one site/ holds keeps its bytes. What MkDocs writes under
    --dirty: each file newer than its copy in site_dir (File.is_modified, the test MkDocs
    itself applies), the theme's static templates and the sitemap's gzip, and the extra
    templates. (Without --dirty MkDocs empties site_dir first, which removes every link.)"""
    if not _run["dirty"]:
        return
    site_dir = Path(config.site_dir)
    written = [Path(f.abs_dest_path) for f in files_ if f.is_modified()]
    templates = [*config.theme.static_templates, "sitemap.xml.gz", *config.extra_templates]
    for path in written + [site_dir / name for name in templates]:
        files.remove(path)


def _raw_blocks(source: str) -> list[str]:
    return [m.group(0) for m in RAW_BLOCK.finditer(source)]


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Set the generator's finished HTML aside before Markdown runs.

    Parsing tens of thousands of paper blocks and links (twice: MkDocs' anchor scan and
    md_in_html) was most of a large build. The blocks are not kept either: MkDocs holds every
    page's Markdown and HTML until the end of a build, so the pages hold placeholders and
    on_post_page reads the blocks again from the page's file when it writes the page."""
    _run["pages"] = _run.get("pages", 0) + 1
    anchors: set[str] = set()
    count = 0

    def set_aside(match: re.Match[str]) -> str:
        nonlocal count
        anchors.update(_ANCHOR.findall(match.group(0)))
        count += 1
        return f"DIGEST!BLOCK!{count - 1}"

    markdown = RAW_BLOCK.sub(set_aside, markdown)
    _block_anchors[page.file.src_uri] = anchors
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    # The anchors inside the blocks, for MkDocs' check of links to them (validation.anchors).
    anchors = _block_anchors.pop(page.file.src_uri, set())
    if anchors:
        page.present_anchor_ids = (page.present_anchor_ids or set()) | anchors
    return html


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Put the blocks back into the finished page, their `.md` links turned into URLs (and,
    under `mkdocs serve` after a failed digest build, the error on top)."""
    output = _with_error(output)
    if "DIGEST!BLOCK!" not in output:
        return output
    blocks = _raw_blocks(page.file.content_string)
    files = _site_files["files"]
    targets: dict[str, tuple[str, Any]] = {}  # link -> (URL, the linked page)
    done: dict[str, str] = {}  # href="…" -> its replacement (a day page links each theme many times)

    def url(match: re.Match[str]) -> str:
        found = done.get(match.group(0))
        if found is None:
            found = done[match.group(0)] = resolve(match)
        return found

    def resolve(match: re.Match[str]) -> str:
        link, fragment = match.group(1), match.group(2) or ""
        if link not in targets:
            path = posixpath.normpath(posixpath.join(posixpath.dirname(page.file.src_uri), link))
            found = files.get_file_from_path(path)
            if found is None:
                log.warning("Doc file '%s' contains a link to '%s' which is not found", page.file.src_uri, link)
                targets[link] = (link, None)
            else:
                targets[link] = (found.url_relative_to(page.file), found.page)
        href, linked = targets[link]
        # A page a --dirty build did not read again has no anchors to check (as MkDocs' own check).
        anchors = linked.present_anchor_ids if linked is not None else None
        if fragment and anchors is not None and fragment[1:] not in anchors:
            log.warning(
                "Doc file '%s' contains a link '%s%s', but there is no such anchor on that page",
                page.file.src_uri, link, fragment,
            )  # fmt: skip
        return f'href="{href}{fragment}"'

    def restore(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n >= len(blocks):
            raise PluginError(f"Error: {page.file.src_uri} changed while it was being built; build again")
        return _MD_HREF.sub(url, blocks[n])

    return _PLACEHOLDER.sub(restore, output)


def _start_search_index(files: Any, config: Any) -> None:
    """Start indexing the archive's papers (generator/search.py) while MkDocs builds the pages;
    each record links to its paper's anchor on the day page that holds it."""
    _stop_search_index()
    index = SearchIndex(Project(Path(config.config_file_path)).cache_dir / "search", _language(config))
    archive = Path(config.docs_dir) / ARCHIVE_PATH
    index.start(archive, [(f.src_uri, f.url, Path(f.abs_src_path)) for f in files.documentation_pages()], _theme_names)
    _search["index"] = index


def _language(config: Any) -> str:
    return str(config.theme.get("language") or "en")


def _stop_search_index() -> None:
    index = _search.pop("index", None)
    if index is not None:
        index.cancel()


def on_post_build(config: Any) -> None:
    """The search bundles go into the site. `mkdocs build` (and `digest site`) waits for them:
    what it publishes is whole. Under `mkdocs serve` the pages are served at once and search
    follows when its bundles are ready ("digest: search updated"), the last ones serving until
    then: a new day re-indexes its month, and a revised paper its half-year (search.py)."""
    index = _search.pop("index", None)
    if index is not None and _serve.get("serving"):
        _finish_in_background(index, Path(config.site_dir))
    elif index is not None:
        hand_over = os.environ.get(HAND_OVER_ENV)  # `digest site`: see cli.site_command
        published = Path(os.environ["DIGEST_PUBLISHED_SITE"]) / "pagefind" if hand_over else None
        try:
            index.finish(Path(config.site_dir), published)
        except RuntimeError as exc:
            raise PluginError(f"Error: search index: {exc}") from None
        if hand_over:
            Path(hand_over).write_text(json.dumps([f"pagefind/{name}" for name in index.handed_over]) + "\n")
    _record_site(config)


def _finish_in_background(index: SearchIndex, site_dir: Path) -> None:
    started = time.perf_counter()

    def finish() -> None:
        try:
            if index.finish(site_dir):
                log.info("digest: search updated (%.1f s after the pages)", time.perf_counter() - started)
        except RuntimeError as exc:  # no build to fail any more: said, and the last bundles stay
            log.error("digest: search index: %s", exc)

    thread = threading.Thread(target=finish, name="digest-search-finish", daemon=True)
    _search["finishing"] = (index, thread)
    thread.start()


def _settle_search() -> None:
    """Before a build under serve (on_pre_build, before the site folder may be emptied): the
    last build's search, if still indexing, is obsolete."""
    finishing = _search.pop("finishing", None)
    if finishing is not None:
        index, thread = finishing
        index.cancel()
        thread.join()


def _record_site(config: Any) -> None:
    """Record the site folder as this build left it, for a later --dirty build to trust it;
    after a --dirty build, first remove what pages that no longer exist left behind."""
    if "stamp" not in _run:
        return
    site_dir, record = _site_record(config)
    if _run["dirty"]:
        site_files = _site_files["files"]
        listed = {f.dest_uri for f in site_files if not f.inclusion.is_excluded()}
        listed |= {*config.theme.static_templates, "sitemap.xml.gz"}
        gone = files.remove_unlisted(site_dir, listed)
        pages = len(site_files.documentation_pages())
        log.info("digest: --dirty: %d of %d pages built again, %d stale files removed", _run["pages"], pages, len(gone))
    files.record_site(record, site_dir, _run.pop("stamp"))


def on_build_error(error: Exception) -> None:
    _stop_search_index()


# The owner's files beside mkdocs.yml that the pages are built from (the deploy's push paths
# hold them too: tests/test_workflows.py).
CONFIG_FILES = ("themes.yml", "overrides.yml", "themes-labels.jsonl", "themes-examples.jsonl")


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    """Watch what the owner edits: the dumps, the theme config, the overrides, the templates and
    the hand-written part of docs/. The generator's own output in docs/ is not watched: each
    build writes it, and watching it set off a second, empty build after every change. (A new
    hand-written file at the top of docs/ is seen after `mkdocs serve` restarts.)"""
    root = Path(config.config_file_path).parent
    server.watch(str(_dumps_dir(config)))
    for name in (*CONFIG_FILES, "templates"):
        if (root / name).exists():
            server.watch(str(root / name))
    docs = Path(config.docs_dir)
    server.unwatch(str(docs))  # watched by MkDocs itself; the hand-written parts instead:
    for path in sorted(docs.iterdir()):
        generated = path.name in GENERATED or f"{path.name}/" in GENERATED
        if not generated and not path.name.startswith("."):
            server.watch(str(path))
    return server
