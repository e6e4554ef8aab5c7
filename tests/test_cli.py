"""The command line, end to end on real files: build, check, add, themes, errors and help."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

from .conftest import DUMPS, HEADER_A, ROOT, entry_a

ABSTRACT = "We study a thing. It works well on several benchmarks and we release the code."


def run(project: Path, *args: str, code: int = 0):
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(project)
        result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def seeded(project: Path) -> Path:
    for path in DUMPS.glob("*.txt"):
        shutil.copy(path, project / "dumps" / path.name)
    return project


def test_build_then_check_accounts_for_all_472_sightings_of_431_papers(seeded):
    out = run(seeded, "build").output
    assert "472 sightings of 431 papers from 5 dumps" in out
    archive = json.loads((seeded / "docs/data/papers.json").read_text())
    papers = archive["papers"]
    assert len(papers) == 431
    assert set(papers[0]) == {
        "id",
        "title",
        "titles",
        "abstract",
        "first_seen",
        "last_seen",
        "published",
        "authors_count",
        "organization",
        "upvotes",
        "themes",
        "sightings",
    }
    keys = [(-int(p["first_seen"].replace("-", "")), p["id"]) for p in papers]
    assert keys == sorted(keys)
    assert all(p["themes"] for p in papers)
    check = run(seeded, "check", "--site", "no-site").output
    assert "check passed: 472 sightings, 431 papers, 5 dumps" in check


def test_check_fails_when_a_sighting_is_missing(seeded):
    run(seeded, "build")
    path = seeded / "docs/data/papers.json"
    archive = json.loads(path.read_text())
    archive["papers"][0]["sightings"].pop()
    path.write_text(json.dumps(archive))
    result = run(seeded, "check", "--site", "no-site", code=1)
    assert re.search(r"Error: dumps/\S+\.txt:\d+: entry \d+ .* is missing from the archive", result.output)


def test_second_build_writes_nothing(seeded):
    run(seeded, "build")
    before = {p: p.stat().st_mtime_ns for p in (seeded / "docs").rglob("*") if p.is_file()}
    out = run(seeded, "build").output
    assert "472 sightings of 431 papers from 5 dumps; up to date: nothing changed" in out
    assert before == {p: p.stat().st_mtime_ns for p in (seeded / "docs").rglob("*") if p.is_file()}
    out = run(seeded, "build", "--no-cache").output  # the full build: it finds every file equal
    assert "0 files written, 0 removed" in out
    assert before == {p: p.stat().st_mtime_ns for p in (seeded / "docs").rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "change", ["edit page", "delete page", "edit template", "edit themes", "edit labels", "edit dump"]
)
def test_an_up_to_date_build_notices_any_change_to_its_inputs_or_outputs(seeded, change):
    run(seeded, "build")
    docs = seeded / "docs"
    reference = snapshot(docs)
    if change == "edit page":
        (docs / "days/2026-06-10.md").write_text("edited by hand\n")
    elif change == "delete page":
        (docs / "themes/index.md").unlink()
    elif change == "edit template":
        with open(seeded / "templates/day.md.j2", "a") as handle:
            handle.write("\nFooter.\n")
    elif change == "edit themes":
        themes = seeded / "themes.yml"
        themes.write_text(themes.read_text().replace("name: Interpretability & Mechanisms", "name: Interpretability"))
    elif change == "edit labels":  # the papers labelled `cognition` are relabelled `other`
        labels = seeded / "themes-labels.jsonl"
        rows = [json.loads(line) for line in labels.read_text().splitlines()]
        rows = [dict(r, primary="other", secondary=[]) if r["primary"] == "cognition" else r for r in rows]
        labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    else:
        dump = seeded / "dumps/2026-06-10.txt"
        dump.write_text(dump.read_text().replace("Creativity", "Originality"))
    out = run(seeded, "build").output
    assert "up to date" not in out
    if change in ("edit page", "delete page"):
        assert "1 files written" in out
        assert snapshot(docs) == reference  # the generated page is back as the build makes it
    else:
        assert snapshot(docs) != reference
    assert "up to date" in run(seeded, "build").output


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Error: dumps/2026-06-10.txt:1: the dump is empty — "),
        (b"\x00\x01\x02binary", "Error: dumps/2026-06-10.txt:1: the dump is not text"),
        (HEADER_A.encode(), "Error: dumps/2026-06-10.txt:1: the dump holds only a header"),
    ],
)
def test_bad_dump_is_one_line_error_exit_1_and_nothing_changes(seeded, data, message):
    run(seeded, "build")
    before = snapshot(seeded / "docs")
    (seeded / "dumps/2026-06-10.txt").write_bytes(data)
    result = run(seeded, "build", code=1)
    assert message in result.output and "Traceback" not in result.output
    assert snapshot(seeded / "docs") == before


def test_misnamed_file_in_dumps_is_an_error_naming_it(seeded):
    (seeded / "dumps/2026-6-1.txt").write_text("x")
    (seeded / "dumps/README.md").write_text("notes")
    (seeded / "dumps/.hidden").write_text("x")
    result = run(seeded, "build", code=1)
    assert "Error: dumps/2026-6-1.txt: not a dump name — name dumps YYYY-MM-DD.txt" in result.output
    assert "README" not in result.output and ".hidden" not in result.output


def test_second_dump_of_a_day_is_merged_into_that_day(project):
    (project / "dumps/2026-06-10.txt").write_text(HEADER_A + entry_a("Paper One", ABSTRACT))
    (project / "dumps/2026-06-10-evening.txt").write_text(
        HEADER_A + entry_a("Paper Two", ABSTRACT.replace("thing", "other thing"))
    )
    run(project, "build")
    papers = json.loads((project / "docs/data/papers.json").read_text())["papers"]
    assert sorted(p["sightings"][0]["dump"] for p in papers) == ["2026-06-10-evening.txt", "2026-06-10.txt"]
    assert [p.name for p in (project / "docs/days").iterdir()] == ["2026-06-10.md"]


def test_strict_turns_warnings_into_errors(project):
    (project / "dumps/2026-06-10.txt").write_text(HEADER_A + entry_a("Complete", ABSTRACT) + "Cut Off Title\n")
    result = run(project, "build")
    assert "Warning: dumps/2026-06-10.txt:21: title with no abstract" in result.output
    result = run(project, "build", "--strict", code=1)  # also when nothing changed since the last build
    assert "Error: dumps/2026-06-10.txt:21: title with no abstract" in result.output
    result = run(project, "build")
    assert "up to date" in result.output
    assert "Warning: dumps/2026-06-10.txt:21: title with no abstract" in result.output


def test_add_with_date_copies_under_the_canonical_name_and_refuses_a_different_one(project, tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text(HEADER_A + entry_a("Paper One", ABSTRACT))
    assert "added dumps/2026-06-10.txt" in run(project, "add", str(raw), "--date", "2026-06-10").output
    assert (project / "dumps/2026-06-10.txt").read_bytes() == raw.read_bytes()
    assert "already there" in run(project, "add", str(raw), "--date", "2026-06-10").output
    other = tmp_path / "other.txt"
    other.write_text(HEADER_A + entry_a("Paper Two", ABSTRACT))
    result = run(project, "add", str(other), "--date", "2026-06-10", code=1)
    assert "Error: dumps/2026-06-10.txt: a different dump already has this name" in result.output


def test_add_without_date_takes_the_header_date_and_says_which_year(project, tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text(HEADER_A + entry_a("Paper One", ABSTRACT))  # header says "Jun 10"
    out = run(project, "add", str(raw)).output
    added = sorted(p.name for p in (project / "dumps").iterdir())
    assert len(added) == 1 and added[0].endswith("-06-10.txt")
    assert f"taking {added[0][:10]}" in out


def test_add_refuses_an_unusable_dump_and_leaves_nothing(project, tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_bytes(b"")
    result = run(project, "add", str(raw), "--date", "2026-06-10", code=1)
    assert "the dump is empty" in result.output
    assert list((project / "dumps").iterdir()) == []


def test_add_without_date_on_a_dump_without_header_date(project):
    raw = DUMPS / "2026-11-19.txt"  # format B: no page date in the header
    result = run(project, "add", str(raw), code=1)
    assert "carries no date — pass --date YYYY-MM-DD" in result.output


def test_themes_explain_and_suggest(seeded):
    run(seeded, "build")
    papers = json.loads((seeded / "docs/data/papers.json").read_text())["papers"]
    paper = papers[0]
    out = run(seeded, "themes", "explain", paper["id"]).output
    assert paper["id"] in out and paper["themes"][0] in out
    by_title = run(seeded, "themes", "explain", paper["title"][:40]).output
    assert paper["id"] in by_title
    assert run(seeded, "themes", "suggest").output.strip()
    result = run(seeded, "themes", "explain", "zzzz qqqq xxxx", code=1)
    assert "no paper matches" in result.output


def test_themes_review_lists_the_least_sure_papers_with_their_pin_lines_and_a_pin_takes_one_off(seeded):
    run(seeded, "build")
    papers = json.loads((seeded / "docs/data/papers.json").read_text())["papers"]
    ids = {p["id"] for p in papers}
    out = run(seeded, "themes", "review", "--max", "3").output
    assert out.startswith("The 3 papers the theme model is least sure of, of 431 (labelled and pinned\n")
    pins = re.findall(r"^     pin: (\S+): \[([a-z, -]+)\]$", out, re.M)
    assert len(pins) == 3 and {pid for pid, _ in pins} <= ids
    first, themes = pins[0]
    (seeded / "overrides.yml").write_text(f"{first}: [{themes}]\n")  # the line as printed is valid
    run(seeded, "build")
    again = run(seeded, "themes", "review", "--max", "3").output
    assert f"pin: {first}:" not in again  # pinned: the owner's now (and a label: the rest may move)
    assert len(re.findall(r"^     pin: ", again, re.M)) == 3
    # the newest day's papers only (the deploy's job summary)
    newest = max(p["first_seen"] for p in papers)
    day = run(seeded, "themes", "review", "--days", "1", "--max", "500").output
    n_new = sum(p["first_seen"] == newest for p in papers)
    seen = re.findall(r"^     first seen (\S+);", day, re.M)
    assert seen and set(seen) == {newest} and f"of {n_new} first seen since {newest} (labelled" in day


def _commands(group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize(
    ("path", "command"), list(_commands(main)), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_every_command_has_help_and_is_in_the_readme(path, command):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and command.help and "Usage:" in result.output
    readme = (ROOT / "README.md").read_text()
    assert f"digest {' '.join(path)}" in readme


def test_check_fails_when_a_feed_item_points_at_a_missing_anchor_or_a_page_lacks_a_paper(seeded):
    run(seeded, "build")
    atom = seeded / "docs/feeds/atom.xml"
    first_id = json.loads((seeded / "docs/data/papers.json").read_text())["papers"][0]["id"]
    atom.write_bytes(atom.read_bytes().replace(f"/#{first_id}".encode(), b"/#no-such-paper", 1))  # the link
    day = seeded / "docs/days/2026-06-10.md"
    lost = json.loads((seeded / "docs/data/papers.json").read_text())["papers"]
    lost_id = next(p["id"] for p in lost if p["first_seen"] == "2026-06-10")
    day.write_text(day.read_text().replace(f'id="{lost_id}"', 'id="renamed"'))
    result = run(seeded, "check", "--site", "no-site", code=1)
    assert "feeds/atom.xml: item link https://example.github.io/digest/days/2026-11-20/#no-such-paper" in result.output
    assert f"days/2026-06-10.md: paper {lost_id} should be there once as new, found on no page" in result.output


def test_the_progress_bar_starts_no_thread_so_the_build_can_fork_its_workers(monkeypatch):
    """On a terminal, `digest build` shows a progress bar; a refresh thread would keep the build
    from forking its theme, feed and state workers (processes.can_fork), so it has none."""
    import io
    import threading

    from generator import cli, processes

    terminal = io.StringIO()
    monkeypatch.setattr(terminal, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(cli.sys, "stderr", terminal)
    with cli._progress_bar(True) as progress:
        assert progress is not None
        progress("parse", 1, 2)
        assert threading.active_count() == 1 and processes.can_fork()
        progress("parse", 2, 2)


def test_check_finds_a_paper_on_two_parts_of_its_day(seeded):
    """The busiest seed day comes in parts; a paper is on exactly one of them."""
    run(seeded, "build")
    part2 = seeded / "docs/days/2026-11-19/2.md"
    paper_id = re.search(r'<h3 id="([^"]+)"', part2.read_text(encoding="utf-8")).group(1)
    part3 = seeded / "docs/days/2026-11-19/3.md"
    part3.write_text(part3.read_text(encoding="utf-8") + f'\n<h3 id="{paper_id}">copy</h3>\n', encoding="utf-8")
    result = run(seeded, "check", "--site", "no-site", code=1)
    assert f"days/2026-11-19.md: paper {paper_id} should be there once as new" in result.output
