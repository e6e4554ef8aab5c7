"""House style holds: ruff (lint + format) on the whole tree, mypy on the generator."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def _imports(path: Path) -> set[str]:
    """The generator modules a module imports (relative or as generator.x), at any depth."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
            elif node.module and node.module.split(".")[0] == "generator":
                parts = node.module.split(".")
                found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
    return found


def test_no_import_cycle_in_the_generator():
    """The stages read one way: no module of generator/ imports one that imports it back."""
    modules = {p.stem: _imports(p) for p in (ROOT / "generator").glob("*.py")}
    graph = {name: {d for d in deps if d in modules and d != name} for name, deps in modules.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError("import cycle: " + " -> ".join([*path[path.index(name) :], name]))
        if name not in done:
            for dep in sorted(graph[name]):
                visit(dep, [*path, name])
            done.add(name)

    for name in sorted(graph):
        visit(name, [])
