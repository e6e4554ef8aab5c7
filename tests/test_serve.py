"""The preview: a real `mkdocs serve` on a free port, read with urllib. A build that fails (a
broken dump) shows its error on the page instead of holding the request, and the preview
recovers by itself once the dump is fixed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import DUMPS, ROOT, make_project

SAVED_PAGE = (ROOT / "tests" / "data" / "bad" / "saved-page.txt").read_bytes()
BANNER = "digest build failed: this preview shows the last good build"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_for(what: str, check: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(project: Path) -> Iterator[tuple[Path, str]]:
    """`mkdocs serve --dirty` (as `make serve`) of a project with one seed dump; yields the
    project and the base URL."""
    shutil.copy(DUMPS / "2026-06-10.txt", project / "dumps")
    port = free_port()
    log = open(project / "serve.log", "wb")  # noqa: SIM115 (closed below, after the server)
    server = subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "-a", f"127.0.0.1:{port}"],  # as `make serve`
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}/digest/"  # served under site_url's path
    try:
        wait_for("the first build", lambda: fetch(base)[0] == 200)
        yield project, base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def nav_links(page: str) -> list[str]:
    """The addresses the page's navigation links to."""
    return re.findall(r'<a href="([^"]*)"[^>]*class="md-nav__link', page)


def test_a_failed_build_shows_its_error_in_the_browser_and_the_preview_recovers(served):
    project, base = served
    assert BANNER not in fetch(base)[1]
    (project / "dumps" / "2026-06-11.txt").write_bytes(SAVED_PAGE)
    wait_for("the error on the page", lambda: BANNER in fetch(base)[1], timeout=60)
    status, page = fetch(base)
    assert status == 200
    assert (
        "dumps/2026-06-11.txt:1: the dump is a web page (HTML), not the listing&#x27;s text — open the listing in "
        "the browser, select all, copy and paste the text into a .txt file" in page
    )
    assert "Fix the file named above" in page
    # Every page says so, and nothing is held: the stylesheet and a day page answer at once.
    started = time.monotonic()
    assert fetch(base + "stylesheets/digest.css")[0] == 200
    status, day = fetch(base + "days/2026-06-10/")
    assert status == 200 and BANNER in day
    assert time.monotonic() - started < 10
    # Fixed: the next build succeeds, the error goes and the new day is there.
    shutil.copy(DUMPS / "2026-11-20.txt", project / "dumps" / "2026-06-11.txt")
    wait_for("the recovered preview", lambda: BANNER not in fetch(base)[1], timeout=60)
    assert fetch(base + "days/2026-06-11/")[0] == 200
    log = (project / "serve.log").read_bytes().decode("utf-8", "replace")
    assert "ERROR   -  digest: dumps/2026-06-11.txt:1: the dump is a web page" in log
    # A config file broken (MkDocs reloads the config at every change): the same, not a hang.
    overrides = project / "overrides.yml"
    kept = overrides.read_bytes()
    links = nav_links(fetch(base)[1])
    overrides.write_bytes(kept + b"\nx: [cognition\n")
    wait_for("the config error on the page", lambda: BANNER in fetch(base)[1], timeout=60)
    status, page = fetch(base)
    assert status == 200 and "overrides.yml:" in page
    assert nav_links(page) == links, page  # the navigation kept (not MkDocs' own of every page)
    overrides.write_bytes(kept)
    wait_for("the preview recovered from the config", lambda: BANNER not in fetch(base)[1], timeout=60)


# --- one build per change ------------------------------------------------------------------------

BUILD_STARTED = "Building documentation..."
RELOADED = "Reloading browsers"


class Server:
    """`mkdocs serve --dirty` (as `make serve` runs it), its log lines collected as they come."""

    def __init__(self, project: Path) -> None:
        self.port = free_port()
        mkdocs = Path(sys.executable).with_name("mkdocs")
        env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(project))
        self.process = subprocess.Popen(
            [str(mkdocs), "serve", "--dirty", "-f", str(project / "mkdocs.yml"), "-a", f"127.0.0.1:{self.port}"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def wait_for(self, text: str, times: int, timeout_s: float = 180.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.count(text) < times:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"waited for {times}x {text!r}; the log:\n" + "\n".join(self.lines[-60:]))
            time.sleep(0.2)

    def get(self, path: str) -> str:
        """A page by its path under the served root (`mkdocs serve` mounts the site at site_url's path)."""
        [served_at] = [line.split("Serving on ", 1)[1].strip() for line in self.lines if "Serving on " in line]
        with urllib.request.urlopen(served_at + path, timeout=30) as response:
            return response.read().decode("utf-8")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[tuple[Path, Server]]:
    """A project with the oldest shipped dump, served by `mkdocs serve` after its first build."""
    project = make_project(tmp_path)
    first = sorted(DUMPS.glob("*.txt"))[0]
    shutil.copy(first, project / "dumps" / first.name)
    server = Server(project)
    try:
        server.wait_for("Serving on", 1)
        yield project, server
    finally:
        server.stop()


def test_a_saved_dump_sets_off_exactly_one_build_and_the_new_day_is_served(counted: tuple[Path, Server]) -> None:
    """The generator writes into docs/ during the build; MkDocs must not take those writes for an
    edit and build a second time (it did: every change cost two builds)."""
    project, server = counted
    assert server.count(BUILD_STARTED) == 1  # the first build
    second = sorted(DUMPS.glob("*.txt"))[1]
    shutil.copy(second, project / "dumps" / second.name)
    server.wait_for(RELOADED, 1)
    # Long enough for the polling observer (0.5 s) and MkDocs' settling delay to start another.
    time.sleep(6)
    assert server.count(BUILD_STARTED) == 2, "\n".join(server.lines)
    assert server.count(RELOADED) == 1
    assert server.count("building again only the pages whose Markdown changed") == 1  # --dirty, trusted
    day = second.stem
    assert day in server.get(f"days/{day}/")
    # Search follows the pages: the new day's month is listed once its bundle is in place.
    server.wait_for("digest: search updated", 2)
    bundles = json.loads(server.get("pagefind/bundles.json"))["bundles"]
    assert bundles[0] == f"{day[:7]}/", bundles  # the newest paper's month, first
