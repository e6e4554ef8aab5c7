"""House style holds: ruff (lint + format) on the whole tree, mypy on the generator."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint_and_format_are_clean():
    lint = _run("ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout
    formatted = _run("ruff", "format", "--check", ".")
    assert formatted.returncode == 0, formatted.stdout


def test_mypy_is_clean_on_the_generator():
    done = _run("mypy")
    assert done.returncode == 0, done.stdout
