"""atheris harness: any bytes as a dump, through the parser (and, with --pipeline, the whole build).

    pip install atheris
    python fuzz/fuzz_parse.py -max_total_time=60 [-dict=...] [corpus_dir ...]
    python fuzz/fuzz_parse.py --pipeline -max_total_time=60

The seed corpus is dumps/ and tests/data/bad/ when no corpus folder is given. Anything but a
DigestError (DumpError) escaping parse/build is a crash; so is a sighting lost or counted twice.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

try:
    import atheris
except ImportError:  # keep the module importable (and the message useful) without atheris
    atheris = None

if atheris is not None:
    with atheris.instrument_imports():
        from generator.errors import DigestError
        from generator.models import DumpFile
        from generator.parse import parse_dump
else:
    from generator.errors import DigestError
    from generator.models import DumpFile
    from generator.parse import parse_dump

DAY = date(2026, 6, 10)
PIPELINE = "--pipeline" in sys.argv
_site = None


def _load_site():
    global _site
    if _site is None:
        from generator.cli import Project

        project = Project(ROOT / "mkdocs.yml")
        _site = (project.load_config(), project.loader())
    return _site


def test_one_input(data: bytes) -> None:
    dump = DumpFile("2026-06-10.txt", DAY, data, "dumps/2026-06-10.txt")
    try:
        entries, _ = parse_dump(dump)
    except DigestError as exc:
        assert all(p.path == "dumps/2026-06-10.txt" for p in exc.problems), exc
        return
    assert entries and all(e.title for e in entries)
    if PIPELINE:
        from generator.pipeline import build

        config, loader = _load_site()
        result = build([dump], config, loader)
        sightings = Counter((s.dump, s.position) for p in result.papers for s in p.sightings)
        assert sightings == Counter((e.dump, e.position) for e in entries)


def main() -> int:
    if atheris is None:
        print("atheris is not installed: pip install atheris (it needs a recent clang/libFuzzer on some platforms)")
        return 2
    argv = [a for a in sys.argv if a != "--pipeline"]
    if not any(not a.startswith("-") for a in argv[1:]):
        # No corpus folder given: seed from the real dumps and the hostile corpus (read-only).
        import tempfile

        seeds = Path(tempfile.mkdtemp(prefix="digest-fuzz-"))
        for path in [*sorted((ROOT / "dumps").glob("*.txt")), *sorted((ROOT / "tests/data/bad").glob("*.txt"))]:
            (seeds / f"{path.parent.name}-{path.name}").write_bytes(path.read_bytes()[:20_000])
        argv.append(str(seeds))
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
