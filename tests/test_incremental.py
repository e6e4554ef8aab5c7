"""The next day's build extends the last one (generator/incremental.py) and gives exactly what a
cold build of all the dumps gives, or declines and lets the cold build run."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import replace
from datetime import date

import pytest

from generator import dedupe, incremental
from generator.archive import ARCHIVE_PATH, papers_from_archive
from generator.cli import Project
from generator.files import code_fingerprint, read_dumps
from generator.models import DumpFile
from generator.pipeline import BuildResult, build, extend
from generator.state import BuildCache, BuildState

from .conftest import DUMPS, benchmark_module, make_project

CODE = code_fingerprint()


def _synth():
    return benchmark_module("synth")


def _dumps(pairs: list[tuple[str, bytes]]) -> list[DumpFile]:
    return [DumpFile(name, date.fromisoformat(name[:10]), data, f"dumps/{name}") for name, data in pairs]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return Project(make_project(tmp_path_factory.mktemp("incremental")) / "mkdocs.yml")


def _cold(dumps: list[DumpFile], site: Project) -> BuildResult:
    return build(dumps, site.load_config(), site.loader(), cache=BuildCache(CODE))


def _same(a: BuildResult, b: BuildResult) -> None:
    assert a.files.keys() == b.files.keys()
    assert [k for k in a.files if a.files[k] != b.files[k]] == []
    assert (a.briefs, a.papers, a.entries, a.warnings) == (b.briefs, b.papers, b.entries, b.warnings)
    # Keys the next day reused for pages that show nothing new are the keys a cold build makes.
    assert a.state is not None and b.state is not None and a.state.page_keys == b.state.page_keys


def _roundtrip(state: BuildState) -> BuildState:
    return pickle.loads(pickle.dumps(state))  # as the next build reads it from the cache


def _next(state: BuildState, on_disk: dict[str, bytes], dumps: list[DumpFile], site: Project) -> BuildResult:
    """The next build as `digest build` runs it: every page of the last build still on disk
    (so the page keys apply) and its archive files to take unchanged months from."""
    previous = (on_disk[ARCHIVE_PATH], on_disk[ARCHIVE_PATH + ".gz"])
    step = extend(_roundtrip(state), dumps, site.load_config(), site.loader(), CODE, dict(state.page_keys), previous)
    assert step is not None
    assert step.kept <= on_disk.keys() and not step.kept & step.files.keys()
    step.files = {**{path: on_disk[path] for path in step.kept}, **step.files}
    return step


def test_each_next_seed_day_extends_to_the_cold_result(site):
    dumps = read_dumps(DUMPS)
    config, loader = site.load_config(), site.loader()
    first = _cold(dumps[:1], site)
    state, on_disk = first.state, first.files
    for n in range(2, len(dumps) + 1):
        assert state is not None
        step = extend(_roundtrip(state), dumps[:n], config, loader, CODE)  # rendering everything
        assert step is not None, n
        cold = _cold(dumps[:n], site)
        _same(step, cold)
        step = _next(state, on_disk, dumps[:n], site)  # rendering only what changed
        _same(step, cold)
        state, on_disk = step.state, step.files


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_days_with_resightings_extend_to_the_cold_result(site, seed, monkeypatch):
    if seed == 3:  # also with the keys of each new day folded into the sorted arrays at once
        monkeypatch.setattr(incremental, "RECENT_KEYS_MAX", 0)
    # Re-sightings (exact, truncated, retyped, retitled) of recent papers, both dump formats.
    dumps = _dumps(list(_synth().generate(24, seed, per_day=25)))
    first = _cold(dumps[:16], site)
    state, on_disk = first.state, first.files
    for n in (17, 20, 24):  # one day, then several at once
        assert state is not None
        step = _next(state, on_disk, dumps[:n], site)
        _same(step, _cold(dumps[:n], site))
        # Only day and theme-month pages are kept; after one day, most earlier day pages are.
        days = [path for path in on_disk if path.startswith("days/")]
        assert step.kept <= set(days) | {p for p in on_disk if p.startswith("themes/") and "/20" in p}
        assert n != 17 or len(step.kept) >= len(days) // 2
        assert step.state is not None and (seed != 3 or not step.state.index.recent_keys)  # folded
        state, on_disk = step.state, step.files


def test_theme_month_pages_of_earlier_months_follow_their_resighted_papers(site, monkeypatch):
    """With month pages for every theme (a small page cap), papers of January seen again in
    February change January's theme-month pages: those are rendered again, the rest kept."""
    from generator import render

    monkeypatch.setattr(render, "THEME_PAGE_PAPERS", 5)
    dumps = _dumps(list(_synth().generate(50, 5, per_day=12)))
    first = _cold(dumps[:40], site)
    state, on_disk = first.state, first.files
    for n in (41, 42, 45, 50):
        assert state is not None
        step = _next(state, on_disk, dumps[:n], site)
        _same(step, _cold(dumps[:n], site))
        january = {p for p in step.files if p.startswith("themes/") and p.endswith("/2021-01.md")}
        assert january and step.kept & {p for p in on_disk if p.endswith("/2021-01.md")}
        state, on_disk = step.state, step.files


def test_a_paper_that_leaves_a_theme_leaves_that_theme_s_earlier_month_page(site, monkeypatch):
    """A paper seen again under a new title (same long abstract) gets other themes; the month
    page of the theme it leaves, in the month it was first seen, is rendered again."""
    from generator import render

    from .conftest import HEADER_A, entry_a

    monkeypatch.setattr(render, "THEME_PAGE_PAPERS", 0)  # a month page for every theme and month
    abstract = (
        "We present a study of features learned by large models over many tasks and settings, with careful "
        "experiments across several model families and scales, and we release code and data so that others "
        "can reproduce every figure and extend the analysis to new models."
    )
    first_title = "Interpreting circuits with sparse autoencoders and activation patching"
    new_title = "Measuring gender bias and demographic fairness in model features"
    stays = entry_a("Probing attention heads with activation patching", "We probe attention heads in transformers.")
    filler = [entry_a(f"Reasoning benchmark {n}", f"Reasoning benchmark number {n} for agents.") for n in range(3)]
    days = {
        "2026-01-05.txt": [entry_a(first_title, abstract), stays, filler[0]],
        "2026-02-02.txt": [filler[1]],
        "2026-02-03.txt": [entry_a(new_title, abstract), filler[2]],
    }
    dumps = _dumps([(name, (HEADER_A + "".join(entries)).encode()) for name, entries in days.items()])
    first = _cold(dumps[:2], site)
    assert first.state is not None
    step = _next(first.state, first.files, dumps, site)
    cold = _cold(dumps, site)
    _same(step, cold)
    [paper] = [p for p in cold.papers if len(p.sightings) == 2]
    assert paper.themes == ("bias-fairness",)
    left = "themes/interpretability/2026-01.md"
    assert left in first.files and left in step.files and first.files[left] != step.files[left]


def test_nothing_new_renders_again_from_the_state(site):
    dumps = read_dumps(DUMPS)
    cold = _cold(dumps, site)
    assert cold.state is not None
    again = extend(_roundtrip(cold.state), dumps, site.load_config(), site.loader(), CODE)
    assert again is not None
    _same(again, cold)


def test_it_declines_what_it_cannot_extend_exactly(site, monkeypatch):
    dumps = read_dumps(DUMPS)
    config, loader = site.load_config(), site.loader()
    state = _cold(dumps[1:4], site).state
    assert state is not None
    # A day before the last one, an earlier dump that changed, fewer dumps, other code or themes.
    assert extend(_roundtrip(state), dumps[:4], config, loader, CODE) is None
    edited = [*dumps[1:3], replace(dumps[3], data=dumps[3].data + b"\n"), dumps[4]]
    assert extend(_roundtrip(state), edited, config, loader, CODE) is None
    assert extend(_roundtrip(state), dumps[1:3], config, loader, CODE) is None
    assert extend(_roundtrip(state), dumps[1:], config, loader, "other code") is None
    other = replace(config, overrides={"some-paper-00000000": ("other",)})
    assert extend(_roundtrip(state), dumps[1:], other, loader, CODE) is None
    # A key an earlier run compared that now has more items than a block may hold: with blocks
    # of one, any new text sharing a key with an earlier one (a retyped re-sighting) is that.
    monkeypatch.setattr(incremental, "MAX_BLOCK", 1)
    monkeypatch.setattr(dedupe, "MAX_BLOCK", 1)
    synthetic = _dumps(list(_synth().generate(24, 1, per_day=25)))
    small = _cold(synthetic[:16], site).state
    assert small is not None
    assert extend(_roundtrip(small), synthetic, config, loader, CODE) is None


def test_a_new_sighting_that_joins_two_earlier_papers_is_declined(site):
    head = "Daily Papers\n\n"
    title = "Sparse Probing of Transformer Circuits"
    abstract = "We probe circuits in transformers with sparse linear probes and report what they find. " * 4
    day1 = f"{head}{title}\n\n{abstract}\n\n{title} Revisited\n\n{abstract[:150]} Different ending entirely here.\n"
    # Day 1 holds two papers: same title words but one word, abstracts that part after 150
    # characters. Day 2 holds a copy whose abstract agrees with both.
    day2 = f"{head}{title} Revisited\n\n{abstract}\n"
    dumps = _dumps([("2026-01-01.txt", day1.encode()), ("2026-01-02.txt", day2.encode())])
    cold_one = _cold(dumps[:1], site)
    cold_two = _cold(dumps, site)
    if len(cold_one.papers) == 2 and len(cold_two.papers) == 1:
        assert cold_one.state is not None
        assert extend(_roundtrip(cold_one.state), dumps, site.load_config(), site.loader(), CODE) is None
    else:  # the pair did not merge as planned: still, whatever extend gives must be the cold result
        assert cold_one.state is not None
        step = extend(_roundtrip(cold_one.state), dumps, site.load_config(), site.loader(), CODE)
        if step is not None:
            _same(step, cold_two)


def test_digest_build_uses_the_state_and_writes_what_a_cold_build_writes(tmp_path):
    from .test_cli import run, snapshot

    (tmp_path / "warm").mkdir()
    (tmp_path / "cold").mkdir()
    warm, cold = make_project(tmp_path / "warm"), make_project(tmp_path / "cold")
    seeds = sorted(DUMPS.glob("*.txt"))
    for path in seeds[:-1]:
        shutil.copy(path, warm / "dumps" / path.name)
    run(warm, "build")
    assert (warm / ".cache/digest/state.pickle").is_file()
    months = warm / ".cache/digest/state-papers"
    first_months = {path.name for path in months.iterdir() if not path.name.startswith("items-")}
    assert sorted(name[:7] for name in first_months) == ["2025-12", "2026-05", "2026-06", "2026-11"]
    [texts] = months.glob("items-*.bin")
    size = texts.stat().st_size
    shutil.copy(seeds[-1], warm / "dumps" / seeds[-1].name)
    out = run(warm, "build").output
    assert "472 sightings of 431 papers from 5 dumps" in out
    assert "(the last build, extended with the new dumps)" in out
    # The months the new day changed are stored again under new names, the old files removed;
    # the new items' texts are appended to the texts file.
    now = {path.name for path in months.iterdir() if path.name != texts.name}
    assert sorted(name[:7] for name in now) == ["2025-12", "2026-05", "2026-06", "2026-11"]
    assert "2026-11" in {name[:7] for name in now - first_months}
    assert texts.stat().st_size > size
    for path in seeds:
        shutil.copy(path, cold / "dumps" / path.name)
    run(cold, "build", "--no-cache")
    assert snapshot(warm / "docs") == snapshot(cold / "docs")
    # A month of papers gone from the cache: the next day's build runs cold, to the same result.
    (warm / "dumps" / seeds[-1].name).unlink()
    run(warm, "build")
    shutil.rmtree(months)
    shutil.copy(seeds[-1], warm / "dumps" / seeds[-1].name)
    out = run(warm, "build").output
    assert "extended" not in out
    assert snapshot(warm / "docs") == snapshot(cold / "docs")
    # A corrupt state is ignored: the build runs cold.
    (warm / ".cache/digest/state.pickle").write_bytes(b"not a pickle")
    (warm / "docs/index.md").unlink()
    run(warm, "build")
    assert snapshot(warm / "docs") == snapshot(cold / "docs")


def test_item_texts_come_from_the_state_and_a_damaged_texts_file_falls_back_to_the_dumps(site, tmp_path, monkeypatch):
    """The next day compares new items with earlier ones' texts as the state stored them, and
    reads a dump only for a text it cannot read back intact; either way, the cold result."""
    from generator import pipeline
    from generator.files import load_state, save_state

    dumps = _dumps(list(_synth().generate(20, 4, per_day=25)))
    first = _cold(dumps[:16], site)
    assert first.state is not None
    path = tmp_path / "state.pickle"
    save_state(path, first.state, tmp_path / "docs")
    [texts] = (tmp_path / "state-papers").glob("items-*.bin")
    cold = _cold(dumps, site)
    earlier = {d.name for d in dumps[:16]}
    parsed: list[str] = []
    original = pipeline.parse_dump
    monkeypatch.setattr(pipeline, "parse_dump", lambda dump: parsed.append(dump.name) or original(dump))

    def next_day() -> set[str]:
        """The earlier dumps the next day's build parses."""
        state = load_state(path, first.state.key)
        assert state is not None
        parsed.clear()
        step = extend(state, dumps, site.load_config(), site.loader(), CODE)
        assert step is not None
        _same(step, cold)
        return set(parsed) & earlier

    # Intact, only re-sighted papers' earlier sightings are read back from their dumps, to merge.
    intact = next_day()
    texts.write_bytes(b"\0" * texts.stat().st_size)
    assert next_day() > intact  # ... and, damaged, the dumps of the candidates compared too


def test_a_state_that_cannot_be_saved_leaves_the_last_one_and_the_build_succeeds(tmp_path, monkeypatch):
    """Saving the state runs in a worker process; when that worker fails, the pages are still
    written, the last state stays as it was (the next build extends it or runs cold) and no
    temporary file is left behind."""
    from generator import files

    from .test_cli import run

    project = make_project(tmp_path)
    seeds = sorted(DUMPS.glob("*.txt"))
    for path in seeds[:-1]:
        shutil.copy(path, project / "dumps" / path.name)
    run(project, "build")
    state_file = project / ".cache/digest/state.pickle"
    before = state_file.read_bytes()

    def fails(self, _):
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(files.StateSaver, "_prepare", fails)
    shutil.copy(seeds[-1], project / "dumps" / seeds[-1].name)
    out = run(project, "build").output
    assert "472 sightings of 431 papers from 5 dumps" in out
    assert (project / "docs" / "days" / seeds[-1].name.replace(".txt", ".md")).is_file()
    assert state_file.read_bytes() == before
    assert not list(state_file.parent.glob(".*.tmp"))


def test_a_revised_paper_seen_on_a_later_day_extends_to_the_cold_result(site):
    """A later day brings revisions (same title, one sentence replaced and another edited) of
    earlier papers, a truncated copy of one, and hard negatives (the same title or one word
    changed, with another abstract opening with the same sentence; the title plus a suffix):
    the next day's build is the cold build, the revisions join their papers, which show the
    revised text, keep their ids and list every title in papers.json."""
    import json
    import random

    from .conftest import HEADER_A, entry_a

    corpus = benchmark_module("dedupe_corpus")
    seeds = corpus.seed_papers()
    material = corpus.Corpus(seeds)
    rng = random.Random(14)
    earlier, filler = seeds[:12], seeds[12:20]
    revised = {p.title: material.case(rng, p, "revision").second[1] for p in earlier[:4]}
    recased = material.case(rng, earlier[4], "revision-recased").second
    negatives = [
        material.case(rng, earlier[5], "same-title+same-opening").second,
        material.case(rng, earlier[6], "title-word+same-opening").second,
        (earlier[7].title + ": A Survey", filler[0].abstract),
    ]
    days = {
        # The half-year before the revisions: what the papers showed then is kept (search).
        "2025-12-30.txt": [(p.title, p.abstract) for p in earlier[:6]],
        "2025-12-31.txt": [(p.title, p.abstract) for p in earlier[6:]],
        "2026-01-07.txt": [*revised.items(), recased, *negatives, (filler[1].title, filler[1].abstract)],
        # The revision of the first paper seen again truncated: it must not replace the revision.
        "2026-01-08.txt": [(earlier[0].title, revised[earlier[0].title][:200] + "…")],
    }
    dumps = _dumps(
        [(name, (HEADER_A + "".join(entry_a(t, a) for t, a in texts)).encode()) for name, texts in days.items()]
    )
    first = _cold(dumps[:2], site)
    assert first.state is not None
    state, on_disk = first.state, first.files
    for n in (3, 4):
        step = _next(state, on_disk, dumps[:n], site)
        cold = _cold(dumps[:n], site)
        _same(step, cold)
        state, on_disk = step.state, step.files
    ids = {p.title: p.id for p in first.papers}
    assert len(cold.papers) == 12 + 3 + 1  # the revisions joined; the negatives and the new paper did not
    rows = {row["id"]: row for row in json.loads(cold.files[ARCHIVE_PATH])["papers"]}
    for paper in earlier[:4]:
        row = rows[ids[paper.title]]  # the same id as before the revision came
        assert (row["title"], row["abstract"], row["titles"]) == (paper.title, revised[paper.title], [paper.title])
        assert len(row["sightings"]) == 2 + (paper is earlier[0])
    row = rows[ids[earlier[4].title]]
    assert (row["title"], row["abstract"]) == recased
    assert row["titles"] == [earlier[4].title, recased[0]]
    # What each revised paper showed when its half-year ended, with the themes of that text.
    before = {p.id: p for p in first.papers}
    for paper in [*earlier[:5]]:
        row = rows[ids[paper.title]]
        assert row["earlier"] == {
            "until": "2025-12-31",
            "title": paper.title,
            "abstract": paper.abstract,
            "themes": list(before[row["id"]].themes),
        }
    assert [
        row for row in rows.values() if "earlier" in row and row["id"] not in {ids[p.title] for p in earlier[:5]}
    ] == []
    # Commands that read the last build read the titles back, and what the papers showed earlier.
    read_back = papers_from_archive(json.loads(cold.files[ARCHIVE_PATH]))
    assert {p.id: (p.titles, p.earlier) for p in read_back} == {p.id: (p.titles, p.earlier) for p in cold.papers}


def test_day_pages_rendered_by_worker_processes_are_the_ones_rendered_here(site, monkeypatch):
    """A large build renders its day pages on every core (render.map_forked); each worker gets
    the templates and papers by fork. Forced here on a small archive: the same files, in the
    same order, as rendering them in this process."""
    from concurrent import futures

    from generator import processes, render

    dumps = _dumps(list(_synth().generate(30, seed=5)))
    inline = _cold(dumps, site)
    pools: list[int] = []

    class Counted(futures.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs) -> None:
            pools.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(processes, "ProcessPoolExecutor", Counted)
    monkeypatch.setattr(render, "DAY_PAGES_PARALLEL", 2)
    forked = _cold(dumps, site)
    assert pools, "the day pages were not rendered by worker processes"
    assert list(forked.files) == list(inline.files)
    _same(forked, inline)
