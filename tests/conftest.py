"""Shared fixtures: the repository's own files, and small dumps written on the fly."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from generator.models import DumpFile

ROOT = Path(__file__).resolve().parent.parent
DUMPS = ROOT / "dumps"
# What docs/ holds that the build does not generate.
HAND_WRITTEN_DOCS = ("about.md", "subscribe.md", "search.md", "stylesheets", "javascripts")


def dump_file(text: str | bytes, name: str = "2026-06-10.txt") -> DumpFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    day = date.fromisoformat(name[:10])
    return DumpFile(name, day, data, f"dumps/{name}")


def benchmark_module(name: str) -> ModuleType:
    """benchmarks/<name>.py imported (the benchmarks are scripts, not a package)."""
    module_name = f"benchmarks_{name}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, ROOT / "benchmarks" / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
    return sys.modules[module_name]


def seed_dumps() -> list[DumpFile]:
    return [dump_file(p.read_bytes(), p.name) for p in sorted(DUMPS.glob("*.txt"))]


HEADER_A = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJun 10\n\n"
)
HEADER_B = "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\nSubscribe"


def entry_a(title: str, abstract: str, meta: str = "  • 3 authors\n·\nMay 12") -> str:
    return f"{title}\n\n{abstract}\n\n" + (f"{meta}\n\n" if meta else "")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's site set-up (config, templates, hand-written docs) with no dumps."""
    return make_project(tmp_path)


def make_project(tmp_path: Path) -> Path:
    for name in ("mkdocs.yml", "themes.yml", "overrides.yml", "themes-labels.jsonl", "themes-examples.jsonl"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    shutil.copytree(ROOT / "generator", tmp_path / "generator", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "docs").mkdir()
    for name in HAND_WRITTEN_DOCS:
        source = ROOT / "docs" / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / "docs" / name)
        else:
            shutil.copy(source, tmp_path / "docs" / name)
    (tmp_path / "dumps").mkdir()
    return tmp_path
