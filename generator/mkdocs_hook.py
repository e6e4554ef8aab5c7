"""MkDocs hook: `mkdocs build` and `mkdocs serve` run the generator themselves.

Listed under `hooks:` in mkdocs.yml. Before each build it regenerates the pages into docs_dir
(the writer only rewrites files whose bytes changed, so `mkdocs serve` does not loop), sets the
navigation from the theme list, and under `mkdocs serve` watches dumps/, themes.yml and
overrides.yml so a saved dump shows up at once.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

from generator.cli import Project, format_warnings, run_build
from generator.errors import DigestError
from generator.files import list_dumps
from generator.parse import day_from_name

log = logging.getLogger("mkdocs.hooks.digest")
# The SOURCE_DATE_EPOCH this hook set (under `mkdocs serve` a new dump may move it on).
_pinned: dict[str, str] = {}
# Paper blocks set aside while a page's Markdown is converted, by page.
_set_aside: dict[str, list[str]] = {}


def _dumps_dir(config: Any) -> Path:
    root = Path(config.config_file_path).parent
    return Path(os.environ.get("DIGEST_DUMPS") or root / "dumps")


def on_config(config: Any) -> Any:
    project = Project(Path(config.config_file_path))
    _pin_build_date(_dumps_dir(config))
    try:
        themes = project.load_config().themes
    except DigestError as exc:
        raise PluginError("\n".join(f"Error: {p}" for p in exc.problems)) from None
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


def on_pre_build(config: Any) -> None:
    project = Project(Path(config.config_file_path))
    try:
        result, report = run_build(project, _dumps_dir(config), Path(config.docs_dir), strict=False)
    except DigestError as exc:
        raise PluginError("\n".join(f"Error: {p}" for p in exc.problems)) from None
    for line in format_warnings(result.warnings):
        log.warning(line.removeprefix("Warning: "))
    log.info(
        "digest: %d papers, %d files written, %d removed", len(result.papers), len(report.written), len(report.removed)
    )


# A paper block on a day page: raw HTML, escaped by the generator, that Markdown must not touch.
_PAPER_BLOCK = re.compile(r'^<div class="digest-paper"[^\n]*>\n.*?^</div>$', re.M | re.S)
_PLACEHOLDER = re.compile(r"<p>DIGESTPAPERBLOCK(\d+)</p>")
_ANCHOR = re.compile(r'<h3 id="([^"]+)"')


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Set the paper blocks aside before Markdown runs: they are finished HTML, and parsing
    thousands of them (twice: MkDocs' anchor scan and md_in_html) was most of a large build."""
    blocks: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        blocks.append(match.group(0))
        return f"DIGESTPAPERBLOCK{len(blocks) - 1}"

    markdown = _PAPER_BLOCK.sub(set_aside, markdown)
    _set_aside[page.file.src_uri] = blocks
    return markdown


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    blocks = _set_aside.pop(page.file.src_uri, [])
    if not blocks:
        return html
    html = _PLACEHOLDER.sub(lambda m: blocks[int(m.group(1))], html)
    # The anchors inside the blocks, for MkDocs' check of links to them (validation.anchors).
    page.present_anchor_ids = (page.present_anchor_ids or set()) | {
        anchor for block in blocks for anchor in _ANCHOR.findall(block)
    }
    return html


def on_post_build(config: Any) -> None:
    """Index the built day pages with Pagefind: a chunked static index, so a reader downloads
    only the small entry files and the few chunks a query needs, however large the archive."""
    command = [sys.executable, "-m", "pagefind_bin", "--site", str(config.site_dir), "--silent"]
    command += ["--exclude-selectors", ".headerlink, .digest-lookup"]  # permalinks and look-up links are not content
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PluginError(
            f"Error: pagefind failed to index {config.site_dir}: {done.stderr.strip() or done.stdout.strip()}"
        )


def on_serve(server: Any, config: Any, builder: Any) -> Any:
    root = Path(config.config_file_path).parent
    server.watch(str(_dumps_dir(config)))
    for name in ("themes.yml", "overrides.yml", "templates"):
        if (root / name).exists():
            server.watch(str(root / name))
    return server
