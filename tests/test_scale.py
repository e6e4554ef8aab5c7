"""Scale guards that stay quick: the navigation stays short however many days there are, and a
small synthetic archive (benchmarks/synth.py, 18 days) builds a site whose search payload and
largest page are under the caps the 5-year benchmark (benchmarks/run.py) is held to."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL_YEARS = 0.05  # 18 days, ~1,100 papers
MAX_HTML_KB = 200
MAX_SEARCH_INITIAL_KB = 1024
MAX_SEARCH_QUERY_KB = 500


def _benchmark_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_paths(nav: Any) -> list[str]:
    """Every page path named anywhere in a MkDocs nav structure."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_paths(value)]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_paths(item)]
    return []


def test_mkdocs_yml_prunes_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "navigation.prune" in config["theme"]["features"]


def test_hook_nav_lists_no_day_pages() -> None:
    from mkdocs.config import load_config

    from generator.mkdocs_hook import on_config

    config = on_config(load_config(config_file=str(ROOT / "mkdocs.yml")))
    paths = _nav_paths(config.nav)
    assert paths, "the hook sets an explicit nav"
    assert not [p for p in paths if p.startswith("days/")]
    themes = yaml.safe_load((ROOT / "themes.yml").read_text(encoding="utf-8"))
    # a fixed handful of pages plus one per theme, independent of the archive's length
    assert len(paths) <= len(themes["themes"]) + 12


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModuleType]:
    run = _benchmark_module("run")
    work = tmp_path_factory.mktemp("scale") / "project"
    run.prepare(work, SMALL_YEARS, seed=1)
    env = dict(os.environ, DIGEST_DUMPS=str(work / "dumps"))
    # --strict, as `make site`: pages outside the nav (days, a busy theme's months) must not warn.
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(work / "mkdocs.yml")]
    command += ["--site-dir", str(work / "site")]
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return work, run


def test_a_busy_theme_has_month_pages_and_mkdocs_strict_accepts_them(small_site: tuple[Path, ModuleType]) -> None:
    work, _ = small_site
    months = sorted(work.glob("site/themes/*/[0-9][0-9][0-9][0-9]-[0-9][0-9]/index.html"))
    assert months, "no theme of the small archive outgrew its page: this test would prove nothing"
    # its months are reachable from the top of the theme's page and from both ends of a month's
    for month in months:
        html = month.read_text(encoding="utf-8")
        assert html.count('href="../#all-months"') == 2, month
        theme = (month.parent.parent / "index.html").read_text(encoding="utf-8")
        assert 'id="all-months"' in theme and theme.index('href="#all-months"') < theme.index("<h2"), month


def test_small_archive_pages_stay_small(small_site: tuple[Path, ModuleType]) -> None:
    work, run = small_site
    stats = run.site_stats(work / "site")
    assert stats["pages"] > 18  # every day page was built
    assert stats["max_html_kb"] <= MAX_HTML_KB, stats["largest_html"]


def test_small_archive_day_pages_have_no_day_links_in_nav(small_site: tuple[Path, ModuleType]) -> None:
    work, _ = small_site
    pages = sorted((work / "site" / "days").glob("*/index.html"))
    assert len(pages) == 18
    for page in (pages[0], pages[-1]):
        html = page.read_text(encoding="utf-8")
        start = html.index("md-nav--primary")
        end = html.index('class="md-content"', start)
        hrefs = re.findall(r'href="([^"]+)"', html[start:end])
        assert not [h for h in hrefs if "days/" in h], page


def test_small_archive_search_payload_is_capped(small_site: tuple[Path, ModuleType]) -> None:
    work, run = small_site
    queries = run.distinctive_words(work / "docs" / "data" / "papers.json", count=4)
    cost = run.search_cost(work / "site", queries)
    assert cost["engine"] != "none", "the site has a search index"
    assert cost["initial_kb"] <= MAX_SEARCH_INITIAL_KB, cost
    assert cost["query_kb"] <= MAX_SEARCH_QUERY_KB, cost
    assert cost.get("found_share") in (None, 1.0), cost
