"""`mkdocs serve` as the site owner runs it: a real server process on a free port, a dump saved
into dumps/ while it runs, and the builds it does counted from its own log."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DUMPS, make_project

BUILD_STARTED = "Building documentation..."
RELOADED = "Reloading browsers"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`mkdocs serve --dirty` (as `make serve` runs it), its log lines collected as they come."""

    def __init__(self, project: Path) -> None:
        self.port = _free_port()
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
def served(tmp_path: Path) -> Iterator[tuple[Path, Server]]:
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


def test_a_saved_dump_sets_off_exactly_one_build_and_the_new_day_is_served(served: tuple[Path, Server]) -> None:
    """The generator writes into docs/ during the build; MkDocs must not take those writes for an
    edit and build a second time (it did: every change cost two builds)."""
    project, server = served
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
