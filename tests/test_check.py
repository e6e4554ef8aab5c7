"""`digest check`, which gates the deploy, proven problem by problem: a real built site and
archive, broken in exactly one way, must fail the check with exactly that problem."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

from .conftest import DUMPS, make_project

DAY = "2026-06-10"


def check(project: Path) -> tuple[int, list[str]]:
    """`digest check` in `project`: exit code and the problem lines."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        result = CliRunner().invoke(main, ["check"], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.exit_code, [
        line.removeprefix("Error: ") for line in result.output.splitlines() if line.startswith("Error: ")
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed dumps built, and the site built by `digest site` (real mkdocs build --strict)."""
    project = make_project(tmp_path_factory.mktemp("built"))
    for path in DUMPS.glob("*.txt"):
        shutil.copy(path, project / "dumps")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        for command in (["build"], ["site"]):
            result = CliRunner().invoke(main, command, catch_exceptions=False)
            assert result.exit_code == 0, result.output
    return project


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    """A copy of the built project to break."""
    copy = tmp_path / "project"
    shutil.copytree(built, copy, ignore=shutil.ignore_patterns(".cache"))
    return copy


def archive(project: Path) -> dict:
    return json.loads((project / "docs/data/papers.json").read_text(encoding="utf-8"))


def save_archive(project: Path, data: dict) -> None:
    (project / "docs/data/papers.json").write_text(json.dumps(data), encoding="utf-8")


def paper_on(project: Path, day: str, n: int = 0) -> dict:
    return [p for p in archive(project)["papers"] if p["first_seen"] == day][n]


def edit(path: Path, change: Callable[[str], str]) -> None:
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text, f"{path} did not change"
    path.write_text(changed, encoding="utf-8")


def test_the_unbroken_site_passes(site):
    assert check(site) == (0, [])


def test_a_sighting_listed_twice(site):
    data = archive(site)
    paper = data["papers"][0]
    paper["sightings"].append(dict(paper["sightings"][0]))
    save_archive(site, data)
    s = paper["sightings"][0]
    assert check(site) == (1, [f"dumps/{s['dump']}: entry {s['position']} is in the archive 2 times"])


def test_a_sighting_that_no_dump_holds(site):
    data = archive(site)
    data["papers"][0]["sightings"].append({"dump": "2026-06-10.txt", "date": DAY, "position": 999, "line": 1})
    save_archive(site, data)
    assert check(site) == (1, ["dumps/2026-06-10.txt: entry 999 is in the archive but not in the dumps"])


def test_a_sighting_missing_from_the_archive(site):
    data = archive(site)
    paper = next(p for p in data["papers"] if len(p["sightings"]) > 1)
    gone = paper["sightings"].pop()
    save_archive(site, data)
    code, problems = check(site)
    assert code == 1 and len(problems) == 1
    assert re.fullmatch(
        rf"dumps/{gone['dump']}:{gone['line']}: entry {gone['position']} \(.+\) "
        r"is missing from the archive — run `digest build`",
        problems[0],
    )


def test_one_id_for_two_papers(site):
    data = archive(site)
    first, second = data["papers"][0], data["papers"][1]
    second["id"] = first["id"]
    save_archive(site, data)
    code, problems = check(site)
    assert code == 1
    assert f"data/papers.json: id {first['id']} is used by 2 papers" in problems


def test_an_archive_without_its_papers_list(site):
    save_archive(site, {"version": 1})
    code, problems = check(site)
    assert code == 1 and problems[0] == "data/papers.json: no 'papers' list — run `digest build` again"


def test_a_paper_on_two_day_pages(site):
    paper = paper_on(site, DAY)
    edit(site / "docs/days/2026-11-20.md", lambda t: t + f'\n<h3 id="{paper["id"]}">copied</h3>\n')
    assert check(site) == (
        1,
        [
            f"days/{DAY}.md: paper {paper['id']} should be there once as new, found on "
            f"['days/{DAY}.md', 'days/2026-11-20.md']"
        ],
    )


def test_a_paper_missing_from_its_day_page(site):
    paper = paper_on(site, DAY)
    edit(site / f"docs/days/{DAY}.md", lambda t: t.replace(f'id="{paper["id"]}"', 'id="gone"'))
    code, problems = check(site)
    assert code == 1
    assert f"days/{DAY}.md: paper {paper['id']} should be there once as new, found on no page" in problems


def test_a_paper_missing_from_its_theme_page(site):
    paper = paper_on(site, DAY)
    theme = paper["themes"][0]
    for page in (site / "docs/themes" / theme).glob("*.md"):
        page.write_text(page.read_text(encoding="utf-8").replace(f'#{paper["id"]}"', '#elsewhere"'), encoding="utf-8")
    code, problems = check(site)
    assert code == 1
    assert f"themes/{theme}/: paper {paper['id']} is not listed" in problems
    # Only the broken theme page is reported: its other themes still list it.
    assert [p for p in problems if "is not listed" in p] == [f"themes/{theme}/: paper {paper['id']} is not listed"]


def test_a_feed_item_pointing_at_a_missing_anchor(site):
    feed = site / "docs/feeds/rss.xml"
    text = feed.read_text(encoding="utf-8")
    first = re.search(r"<link>(https://example\.github\.io/digest/days/\d{4}-\d{2}-\d{2}/)#[^<]+</link>", text)
    assert first is not None
    feed.write_text(text.replace(first.group(0), f"<link>{first.group(1)}#no-such-paper</link>", 1), encoding="utf-8")
    assert check(site) == (
        1,
        [f"feeds/rss.xml: item link {first.group(1)}#no-such-paper has no anchor on its day page"],
    )


def test_a_feed_item_outside_the_site(site):
    old = '"url": "https://example.github.io/digest/days/'
    edit(site / "docs/feeds/feed.json", lambda t: t.replace(old, '"url": "https://elsewhere.example/days/', 1))
    code, problems = check(site)
    assert code == 1 and len(problems) == 1
    assert re.fullmatch(
        r"feeds/feed\.json: item link https://elsewhere\.example/days/\S+ is not a day page of "
        r"https://example\.github\.io/digest/",
        problems[0],
    )


def test_a_feed_that_is_not_readable(site):
    (site / "docs/feeds/atom.xml").write_text("<feed><entry>", encoding="utf-8")
    code, problems = check(site)
    assert code == 1 and len(problems) == 1
    assert problems[0].startswith("feeds/atom.xml: not a readable feed (") and problems[0].endswith(
        "run `digest build` again"
    )


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("../nowhere/", "site/about/index.html: broken link ../nowhere/"),
        (
            f"../days/{DAY}/#no-such-anchor",
            f"site/about/index.html: link ../days/{DAY}/#no-such-anchor points at a missing anchor",
        ),
        ("/elsewhere/page/", "site/about/index.html: link /elsewhere/page/ leaves the site's base path /digest/"),
        ("../../../outside.html", "site/about/index.html: broken link ../../../outside.html"),
    ],
    ids=["broken", "missing-anchor", "leaves-base", "above-the-root"],
)
def test_a_broken_link_in_the_built_site(site, link, problem):
    edit(site / "site/about/index.html", lambda t: t.replace("</article>", f'<a href="{link}">x</a></article>', 1))
    assert check(site) == (1, [problem])


def test_a_site_older_than_the_dumps(site):
    """The last dump was built into docs/ but site/ was not rebuilt: it lacks the newest day."""
    shutil.rmtree(site / "site/days/2026-11-20")
    code, problems = check(site)
    assert code == 1
    assert "site/: has no page for days/2026-11-20.md: it is older than the last build — run `make site`" in problems


def test_counts_are_printed(site):
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(site)
        out = CliRunner().invoke(main, ["check"]).output
    assert re.fullmatch(
        r"check passed: 472 sightings, 431 papers, 5 dumps, 9 day pages, \d+ feed items, \d+ site links\n", out
    )
