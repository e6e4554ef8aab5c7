"""What stops a publish, the same for `digest build`, `digest site` (make site), `mkdocs build`
and the deploy workflow: a dump read with a recoverable problem is published and reported with
file:line (also in the CI job summary); only --strict makes it fatal. Configuration mistakes;
the build's terminal output."""

from __future__ import annotations

import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import DUMPS, ROOT

BAD = ROOT / "tests" / "data" / "bad"
REAL_URL = "https://owner.github.io/papers/"
# The warnings the odd dump gives, as file:line: what.
CP1252 = "dumps/2026-06-11.txt:13: not valid UTF-8; read as cp1252"
NO_ABSTRACT = "dumps/2026-06-11.txt:23: title with no abstract"


def run(project: Path, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real process in the project folder: `digest ...` or `mkdocs ...` (by module)."""
    module = "generator" if command[0] == "digest" else command[0]
    environment = {k: v for k, v in os.environ.items() if k not in ("GITHUB_STEP_SUMMARY", "DIGEST_STRICT")}
    environment.update(NO_MKDOCS_2_WARNING="1", **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", module, *command[1:]],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def set_site_url(project: Path, url: str | None) -> None:
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^site_url:.*\n", "" if url is None else f"site_url: {url}\n", text)
    assert count == 1
    config.write_text(text, encoding="utf-8")


@pytest.fixture
def odd_dump(project: Path) -> Path:
    """A good seed dump and a cp1252 dump ending in a title with no abstract; a real site_url."""
    shutil.copy(DUMPS / "2026-06-10.txt", project / "dumps" / "2026-06-10.txt")
    data = (BAD / "cp1252.txt").read_bytes() + b"\n\nA Title Without Abstract\n"
    (project / "dumps" / "2026-06-11.txt").write_bytes(data)
    set_site_url(project, REAL_URL)
    return project


def test_a_dump_with_recoverable_problems_is_published_by_every_command(odd_dump, tmp_path):
    built = run(odd_dump, "digest", "build")
    assert built.returncode == 0, built.stderr
    assert f"Warning: {CP1252}" in built.stderr and f"Warning: {NO_ABSTRACT}" in built.stderr
    assert built.stderr.rstrip().endswith(
        "2 warnings (see above): published anyway; `digest build --strict` makes dump and config warnings errors"
    )
    # MkDocs' strict mode (make site) does not count them, and names the dump, not mkdocs.yml.
    site = run(odd_dump, "mkdocs", "build", "--strict")
    assert site.returncode == 0, site.stderr
    assert f"INFO    -  digest: warning: {CP1252}" in site.stderr
    assert "WARNING" not in site.stderr and "Aborted" not in site.stderr
    # What `make site` and the deploy workflow run, with the job summary GitHub Actions shows.
    summary = tmp_path / "step-summary.md"
    staged = run(odd_dump, "digest", "site", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert staged.returncode == 0, staged.stderr
    assert (odd_dump / "site" / "days" / "2026-06-11" / "index.html").is_file()
    report = summary.read_text(encoding="utf-8")
    assert "### digest build" in report and "**2 warnings** (published anyway):" in report
    assert f"- `{CP1252} — save the dump as UTF-8`" in report
    assert f"- `{NO_ABSTRACT} — kept with an empty abstract`" in report


def test_only_strict_makes_them_fatal_and_the_same_way_everywhere(odd_dump, tmp_path):
    build = run(odd_dump, "digest", "build", "--strict")
    assert build.returncode == 1
    assert build.stderr.splitlines() == [
        f"Error: {CP1252} — save the dump as UTF-8",
        f"Error: {NO_ABSTRACT} — kept with an empty abstract",
    ]
    summary = tmp_path / "step-summary.md"
    site = run(odd_dump, "digest", "site", "--strict", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert site.returncode == 1 and f"Error: {CP1252}" in site.stderr
    assert not (odd_dump / "site").exists()
    assert "**2 errors**" in summary.read_text(encoding="utf-8")
    mkdocs = run(odd_dump, "mkdocs", "build", env={"DIGEST_STRICT": "1"})
    assert mkdocs.returncode == 1 and f"Error: {CP1252}" in mkdocs.stderr


def test_a_missing_site_url_is_an_error_for_every_command(odd_dump):
    set_site_url(odd_dump, None)
    for command in (["digest", "build"], ["digest", "check"], ["mkdocs", "build"]):
        done = run(odd_dump, *command)
        assert done.returncode == 1, command
        assert (
            "Error: mkdocs.yml: site_url: missing: feed links and GUIDs are built from it — set site_url in "
            "mkdocs.yml to the published address (https://<user>.github.io/<repository>/)" in done.stderr
        ), command


def test_the_shipped_placeholder_warns_on_build_and_stops_the_deploy_check(project):
    shutil.copy(DUMPS / "2026-06-10.txt", project / "dumps")
    built = run(project, "digest", "build")
    assert built.returncode == 0
    assert "Warning: mkdocs.yml: site_url is still the shipped placeholder" in built.stderr
    assert run(project, "digest", "check").returncode == 0
    deploy = run(project, "digest", "check", "--deploy")
    assert deploy.returncode == 1
    assert deploy.stderr.startswith("Error: mkdocs.yml: site_url: still the shipped placeholder — set site_url")
    set_site_url(project, REAL_URL)
    assert run(project, "digest", "build").returncode == 0
    assert run(project, "digest", "check", "--deploy").returncode == 0


def test_an_override_naming_no_known_paper_is_a_warning_with_the_closest_id(project):
    shutil.copy(DUMPS / "2026-06-10.txt", project / "dumps")
    set_site_url(project, REAL_URL)
    assert run(project, "digest", "build").returncode == 0
    import json

    known = json.loads((project / "docs/data/papers.json").read_text())["papers"][0]["id"]
    typo = known[:-3] + "zzz"
    (project / "overrides.yml").write_text(f"# pins\n{typo}: [cognition]\nno-such-paper-00000000: other\n")
    built = run(project, "digest", "build")
    assert built.returncode == 0
    assert (
        f"Warning: overrides.yml:2: override for {typo!r} names no known paper — did you mean {known!r}?"
        in built.stderr
    )
    assert (
        "Warning: overrides.yml:3: override for 'no-such-paper-00000000' names no known paper — check the id"
        in built.stderr
    )
    strict = run(project, "digest", "build", "--strict")
    assert strict.returncode == 1 and f"Error: overrides.yml:2: override for {typo!r}" in strict.stderr


def in_terminal(project: Path, *args: str) -> str:
    """`digest ARGS` on a pseudo-terminal (where the progress bar shows): all it printed."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the real CLI
        os.chdir(project)
        os.execv(sys.executable, [sys.executable, "-m", "generator", *args])
    data = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    return data.decode("utf-8", "replace")


def test_the_progress_bar_shows_each_stage_then_goes_and_the_summary_has_its_own_lines(odd_dump):
    out = in_terminal(odd_dump, "build")
    for stage in ("parse", "dedupe", "themes", "render"):
        assert re.search(rf"[\r\n]{stage} +━", re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)), stage
    # Rich erases the bar (cursor up, erase line) once done; after that, only the summary.
    after = out.rsplit("\x1b[2K", 1)[1]
    assert "━" not in after and "%" not in after
    lines = after.replace("\r\n", "\n").strip("\n").split("\n")
    assert lines[0].startswith("Warning: ") and re.match(r"^\d+ sightings of \d+ papers from 2 dumps;", lines[-2])
    assert lines[-1].startswith("2 warnings (see above)")


def test_mkdocs_does_not_list_the_day_pages_outside_the_nav(odd_dump):
    done = run(odd_dump, "mkdocs", "build", "--strict")
    assert done.returncode == 0
    assert "not included in the" not in done.stderr and "days/2026-06-10.md" not in done.stderr
    assert (odd_dump / "site" / "days" / "2026-06-10" / "index.html").is_file()
