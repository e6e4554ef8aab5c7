"""Scale benchmark: generator stages, mkdocs build, site size and search cost for synthetic archives.

Usage: python benchmarks/run.py --years N [N ...] [--plain-timeout S] [--no-plain] [--profile] [--keep]

For each size it works in benchmarks/out/y<N>/ (a copy of the site set-up with synthetic dumps from
benchmarks/synth.py; the repository's docs/ and site/ are never touched) and measures, each in a
subprocess so that peak RSS is that process's own (os.wait4 rusage):

* the generator, stage by stage (read, parse, dedupe, themes, render, write), writing into an
  empty docs folder; and dedupe's scaling: its time on all days over its time on the first fifth;
* `mkdocs build` with our configuration (its hook regenerates, nothing changes on disk, and
  indexes with Pagefind, one bundle per year, beside the build), cold: no search cache;
* the same pages built by a plain MkDocs Material configuration (no nav:, no prune, lunr search,
  no hook), capped by --plain-timeout; our build time is printed as a ratio of it;
* the built site: pages, size, largest HTML page, and what search costs a reader;
* one more day added: generator time and the files it rewrote (checked against content hashes),
  then `mkdocs build` again (only the new day's year is re-indexed for search);
* the next day's publish: `digest site` with the last site/ and caches in place (MkDocs --dirty
  over a copy of site/: only the pages that changed are built);
* the preview: `mkdocs serve --dirty` (as `make serve`), seconds from saving a new dump to its
  day page being served, and to its search being updated (it follows the pages), and how many
  builds the save set off.

It prints PASS/FAIL per target and ends with one JSON line (the last size's figures).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from generator import pagefind_files  # noqa: E402  (the repository's package, also when not installed)

OUT = ROOT / "benchmarks" / "out"
PYTHON = sys.executable
MB = 1024 * 1024
KB = 1024

TARGETS = {  # at 5 years, 2 cores
    "generator_s": 60.0,
    "incremental_s": 3.0,
    "publish_s": 15.0,
    "preview_s": 10.0,
    "mkdocs_s": 90.0,
    "peak_rss_mb": 1536.0,
    "site_mb": 500.0,
    "max_html_kb": 200.0,
    "dedupe_scaling": 6.0,
    "search_initial_kb": 1024.0,
    "search_query_kb": 500.0,
}


EXTRA_DAYS = 3


# --------------------------------------------------------------------------------------------
# The project copy


def prepare(work: Path, years: float, seed: int) -> None:
    """A copy of the site set-up in `work` with the synthetic dumps; EXTRA_DAYS later days kept
    aside (the next day's generator and mkdocs build, the next day's publish, the preview)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import synth

    from generator.pipeline import GENERATED

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for name in ("mkdocs.yml", "themes.yml", "overrides.yml", "themes-labels.jsonl", "themes-examples.jsonl"):
        # the model learns as shipped
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "templates", work / "templates")
    # The hook is named by path in mkdocs.yml; it imports the installed (editable) package.
    (work / "generator").symlink_to(ROOT / "generator")
    docs = work / "docs"
    docs.mkdir()
    generated = {g.rstrip("/") for g in GENERATED}
    for path in (ROOT / "docs").iterdir():
        if path.name.startswith(".") or path.name in generated:
            continue  # only the hand-written pages and assets
        if path.is_dir():
            shutil.copytree(path, docs / path.name)
        else:
            shutil.copy(path, docs / path.name)
    dumps, extra = work / "dumps", work / "extra"
    dumps.mkdir()
    extra.mkdir()
    files = list(synth.generate(synth.days_for(years) + EXTRA_DAYS, seed))
    for name, data in files[:-EXTRA_DAYS]:
        (dumps / name).write_bytes(data)
    for name, data in files[-EXTRA_DAYS:]:
        (extra / name).write_bytes(data)


def write_plain_project(work: Path) -> Path:
    """The generated pages under a plain Material configuration: default nav, lunr, no hook."""
    plain = work / "plain"
    if plain.exists():
        shutil.rmtree(plain)
    plain.mkdir()
    shutil.copytree(work / "docs", plain / "docs", ignore=shutil.ignore_patterns(".digest*"))
    (plain / "mkdocs.yml").write_text(
        "site_name: Paper digest\n"
        "site_url: https://example.github.io/digest/\n"
        "theme:\n  name: material\n"
        "plugins:\n  - search\n"
        "extra_css:\n  - stylesheets/digest.css\n"
        "markdown_extensions:\n  - attr_list\n  - md_in_html\n  - tables\n  - toc:\n      permalink: true\n",
        encoding="utf-8",
    )
    return plain


# --------------------------------------------------------------------------------------------
# Child processes, timed, with their own peak RSS


def run_child(
    command: list[str], *, cwd: Path, env: dict[str, str] | None = None, timeout: float | None = None
) -> dict[str, Any]:
    """Run `command`; wall time, peak RSS (MB) of it and its descendants, exit code, output."""
    stdout_path = cwd / f".bench-{os.getpid()}-{time.monotonic_ns()}.out"
    stderr_path = stdout_path.with_suffix(".err")
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            if timer:
                timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    result = {
        "seconds": elapsed,
        "rss_mb": usage.ru_maxrss / 1024,  # Linux: KiB; the largest of the child and its waited-for children
        # CPU of the child and its waited-for children: unlike wall time, the same on a busy machine
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "code": proc.returncode,
        "timed_out": timed_out.is_set(),
        "stdout": stdout_path.read_text(errors="replace"),
        "stderr": stderr_path.read_text(errors="replace"),
    }
    stdout_path.unlink()
    stderr_path.unlink()
    return result


def generator_child(root: Path, dumps: Path, out: Path, scaling: bool, profile: Path | None) -> None:
    """In the child: `digest build` (cli.run_build: the build cache, the next-day state and the
    up-to-date check in <root>/.cache/digest/, all cold on the first run), stage by stage;
    one JSON object on stdout."""
    import cProfile

    from generator.cli import Project, run_build

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    t0 = time.perf_counter()
    summary, report = run_build(Project(root / "mkdocs.yml"), dumps, out, strict=False)
    t3 = time.perf_counter()
    if profiler:
        profiler.disable()
        profiler.dump_stats(str(profile))
    timings = summary.timings
    dumps_read = sorted(dumps.glob("*.txt"))
    scaling_info = None
    if scaling and len(dumps_read) >= 10:
        # dedupe on the first fifth of the days, in a fresh process (no warm caches), to compare
        # with dedupe on all of them
        days = len(dumps_read) // 5
        done = subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "_dedupe", str(dumps), str(days)],
            capture_output=True,
            text=True,
            check=True,
        )
        scaling_info = json.loads(done.stdout)
    print(
        json.dumps(
            {
                "timings": timings,
                "total_s": t3 - t0,
                "mode": "up to date" if summary.up_to_date else "next day" if summary.extended else "full",
                "papers": summary.papers,
                "entries": summary.entries,
                "files": len(report.written) + report.unchanged,
                "bytes": sum((out / p).stat().st_size for p in report.written),
                "written": list(report.written),
                "removed": list(report.removed),
                "unchanged": report.unchanged,
                "warnings": len(summary.warnings),
                "scaling": scaling_info,
            }
        )
    )


def dedupe_child(dumps: Path, days: int) -> None:
    from generator.dedupe import dedupe
    from generator.files import read_dumps
    from generator.pipeline import parse_all

    entries, _ = parse_all(sorted(read_dumps(dumps), key=lambda d: d.name)[:days])
    start = time.perf_counter()
    dedupe(entries)
    print(json.dumps({"days": days, "entries": len(entries), "dedupe_s": time.perf_counter() - start}))


def run_generator(work: Path, *, scaling: bool = False, profile: Path | None = None) -> dict[str, Any]:
    command = [PYTHON, str(Path(__file__).resolve()), "_generate", str(work), str(work / "dumps"), str(work / "docs")]
    if scaling:
        command.append("--scaling")
    if profile:
        command += ["--profile", str(profile)]
    done = run_child(command, cwd=work)
    if done["code"] != 0:
        raise SystemExit(f"generator failed ({done['code']}):\n{done['stderr'][-3000:]}")
    info = json.loads(done["stdout"].strip().splitlines()[-1])
    info["process_s"] = done["seconds"]
    info["rss_mb"] = done["rss_mb"]
    return info


# --------------------------------------------------------------------------------------------
# The built site


def tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            if name.startswith(".digest"):
                continue
            path = Path(dirpath) / name
            out[path.relative_to(root).as_posix()] = hashlib.sha1(path.read_bytes()).hexdigest()
    return out


def site_stats(site: Path) -> dict[str, Any]:
    total = 0
    html: list[tuple[int, str]] = []
    for dirpath, _dirs, names in os.walk(site):
        for name in names:
            path = Path(dirpath) / name
            size = path.stat().st_size
            total += size
            if name.endswith(".html"):
                html.append((size, path.relative_to(site).as_posix()))
    html.sort(reverse=True)
    return {
        "pages": len(html),
        "site_mb": total / MB,
        "max_html_kb": html[0][0] / KB if html else 0.0,
        "max_html_page": html[0][1] if html else None,
        "largest_html": [(p, round(s / KB, 1)) for s, p in html[:3]],
    }


_cbor = pagefind_files.cbor_decode
_pagefind_payload = pagefind_files.payload


def distinctive_words(archive_path: Path, count: int = 8) -> list[tuple[str, str, str]]:
    """(word, paper id, its day page's URL below the site, e.g. "days/2021-01-06/2/") for papers
    spread over the archive: a word of each paper's title that no other paper's title or
    abstract holds (the rarest there is)."""
    sys.path.insert(0, str(ROOT))
    from generator.render import day_part

    papers = json.loads(archive_path.read_text(encoding="utf-8"))["papers"]
    word_re = re.compile(r"[a-z]{6,}")
    df: Counter[str] = Counter()
    for p in papers:
        df.update(set(word_re.findall((p["title"] + " " + p["abstract"]).lower())))
    picks = []
    for k in range(count):
        p = papers[(k * len(papers)) // count]
        words = sorted(set(word_re.findall(p["title"].lower())), key=lambda w: (df[w], w))
        if words:
            part = day_part(p["sightings"][0]["position"])
            picks.append((words[0], p["id"], f"days/{p['first_seen']}/" + (f"{part}/" if part > 1 else "")))
    return picks


def search_cost(site: Path, queries: list[tuple[str, str, str]] | None = None) -> dict[str, Any]:
    """What a reader downloads to search: once (initial) and per query, in KB (files as stored)."""
    lunr_index = site / "search" / "search_index.json"
    pagefind = site / "pagefind"
    if pagefind.is_dir():
        return _pagefind_cost(pagefind, queries or [])
    if lunr_index.is_file():
        workers = sorted((site / "assets" / "javascripts" / "workers").glob("search.*.js"))
        initial = lunr_index.stat().st_size + sum(w.stat().st_size for w in workers)
        gz = len(gzip.compress(lunr_index.read_bytes(), 6))
        found = None
        if queries:
            text = lunr_index.read_text(encoding="utf-8").lower()
            found = sum(w in text for w, _, _ in queries) / len(queries)
        return {
            "engine": "lunr",
            "initial_kb": initial / KB,
            "initial_gzip_kb": (gz + sum(w.stat().st_size for w in workers)) / KB,
            "query_kb": 0.0,
            "method": "search_index.json + lunr worker JS; every query runs on that one index",
            "found_share": found,
        }
    return {"engine": "none", "initial_kb": 0.0, "query_kb": 0.0, "method": "no search index in site/"}


def _bundles(pagefind: Path) -> list[Path]:
    """The Pagefind bundles of a site, newest first (bundles.json), or the one bundle."""
    listing = pagefind / "bundles.json"
    if listing.is_file():
        return [pagefind / b for b in json.loads(listing.read_text(encoding="utf-8"))["bundles"]]
    return [pagefind]


def _bundle_meta(bundle: Path) -> tuple[list[Path], Path | None]:
    """A bundle's files a reader loads before the first query, and its pf_meta."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    languages = entry.get("languages", {})
    lang = max(languages, key=lambda k: languages[k].get("page_count", 0)) if languages else None
    files = [bundle / "pagefind-entry.json"]
    meta_path = None
    if lang:
        info = languages[lang]
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        files.append(meta_path)
    return files, meta_path


def _pagefind_cost(pagefind: Path, queries: list[tuple[str, str, str]]) -> dict[str, Any]:
    """Initial download: the search script, the bundle list, pagefind.js and its WebAssembly
    (once: the other bundles merge into the first) plus each bundle's entry and metadata. Per
    query: in each bundle, the index chunk holding the word, plus the records of the first page
    of results (20 papers)."""
    bundles = _bundles(pagefind)
    initial_files = [pagefind / "bundles.json"] if (pagefind / "bundles.json").is_file() else []
    initial_files.append(pagefind.parent / "javascripts" / "search.js")
    initial_files += [bundles[0] / "pagefind.js", *sorted(bundles[0].glob("wasm.*.pagefind"))[:1]]
    metas = []
    for bundle in bundles:
        files, meta_path = _bundle_meta(bundle)
        initial_files += files
        if meta_path:
            metas.append((bundle, meta_path))
    present = [f for f in initial_files if f.is_file()]
    initial = sum(f.stat().st_size for f in present)
    chunks = [c for b in bundles for c in (b / "index").glob("*.pf_index")]
    chunk_sizes = sorted(c.stat().st_size for c in chunks)
    frag_sizes = sorted(f.stat().st_size for b in bundles for f in (b / "fragment").glob("*.pf_fragment"))
    shown = 20  # search.js shows (and loads the records of) 20 papers at a time
    largest_per_bundle = [max((c.stat().st_size for c in (b / "index").glob("*.pf_index")), default=0) for b in bundles]
    estimate = sum(largest_per_bundle) + shown * (statistics.median(frag_sizes) if frag_sizes else 0)
    result: dict[str, Any] = {
        "engine": "pagefind",
        "bundles": len(bundles),
        "initial_kb": initial / KB,
        "initial_files": {f.relative_to(pagefind.parent).as_posix(): round(f.stat().st_size / KB, 1) for f in present},
        "chunks": len(chunks),
        "largest_chunk_kb": chunk_sizes[-1] / KB if chunk_sizes else 0.0,
        "fragments": len(frag_sizes),
        "median_fragment_kb": statistics.median(frag_sizes) / KB if frag_sizes else 0.0,
        "largest_fragment_kb": frag_sizes[-1] / KB if frag_sizes else 0.0,
        "estimate_query_kb": estimate / KB,
    }
    try:
        exact = _pagefind_exact(metas, queries, shown) if metas and queries else None
    except Exception as exc:  # the format is Pagefind's private one: fall back to the estimate
        exact = None
        result["exact_error"] = f"{type(exc).__name__}: {exc}"
    if exact:
        result.update(exact)
        result["query_kb"] = exact["query_max_kb"]
        result["method"] = (
            "exact: in each bundle, word -> index chunk(s) by the pf_meta ranges -> pages holding its stem -> "
            f"their fragments (first {shown} over all bundles); worst of {len(queries)} distinctive title words"
        )
    else:
        result["query_kb"] = estimate / KB
        result["method"] = f"estimate: largest index chunk of each bundle + {shown} x median fragment"
    return result


def _lookup(bundle: Path, meta: Any, word: str) -> tuple[Path | None, list[Path]]:
    """In one bundle: the index chunk that holds `word`'s stem and the fragments of its pages.

    Pagefind stores stems; the stem is the longest stored word that starts `word`. It may sort
    into another chunk than `word` itself, so every chunk that could hold a prefix is read."""
    pages, chunk_list = meta[1], meta[2]  # [[fragment hash, word count]], [[from, to, chunk hash]]
    stem = _snowball(word)  # what Pagefind stores (Snowball English: "duality" -> "dualiti")
    candidates: dict[str, Path] = {}
    for prefix in {text[:end] for text in (word, stem) for end in range(len(text), 2, -1)}:
        for low, high, digest in chunk_list:
            if low <= prefix <= high:
                candidates.setdefault(digest, bundle / "index" / f"{digest}.pf_index")
    best, best_chunk, exact = None, None, False
    for chunk_path in sorted(candidates.values()):
        words, _ = _cbor(_pagefind_payload(chunk_path))
        if len(words) == 1 and isinstance(words[0], list) and words[0] and isinstance(words[0][0], list):
            words = words[0]  # [[word entries]]
        for w in words:
            stored = w[0] if isinstance(w, list) and w and isinstance(w[0], str) else None
            if stored == stem:
                best, best_chunk, exact = w, chunk_path, True
            elif not exact and stored and _stem_of(word, stored) and (best is None or len(stored) > len(best[0])):
                best, best_chunk = w, chunk_path
    hit_pages, page = [], 0
    for hit in best[1] if best else []:
        page += hit[0]  # page numbers are stored as deltas from the previous hit's
        hit_pages.append(page)
    return best_chunk, [bundle / "fragment" / f"{pages[i][0]}.pf_fragment" for i in hit_pages]


def _snowball(word: str) -> str:
    """Snowball's English stem of `word` when snowballstemmer is installed (a test dependency),
    else the word itself (then the prefix rule of _stem_of finds the stored stem)."""
    try:
        import snowballstemmer
    except ImportError:
        return word
    return str(snowballstemmer.stemmer("english").stemWord(word))


def _stem_of(word: str, stem: str) -> bool:
    """Whether Pagefind's stored `stem` can be `word`'s: a prefix of it, or (Snowball's English
    stemmer restores a final e: "spiking" -> "spike") a prefix once its final "e" is dropped."""
    return word.startswith(stem) or (stem.endswith("e") and len(stem) > 3 and word.startswith(stem[:-1]))


def _fragment_url(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        return str(json.loads(_pagefind_payload(path)).get("url", ""))
    return ""


def _pagefind_exact(metas: list[tuple[Path, Path]], queries: list[tuple[str, str, str]], shown: int) -> dict[str, Any]:
    decoded = [(bundle, _cbor(_pagefind_payload(meta_path))[0]) for bundle, meta_path in metas]
    per_query = []
    found = 0
    for word, pid, page in queries:
        size, fragments = 0, []
        for bundle, meta in decoded:
            chunk, frags = _lookup(bundle, meta, word)
            size += chunk.stat().st_size if chunk else 0
            fragments += frags
        size += sum(f.stat().st_size for f in fragments[:shown])
        # The paper's own record: its anchor on the page (of a busy day, the part) that holds it.
        if any(_fragment_url(f).endswith(f"{page}#{pid}") for f in fragments):
            found += 1
        per_query.append({"word": word, "hits": len(fragments), "kb": round(size / KB, 1)})
    return {
        "queries": per_query,
        "query_max_kb": max(q["kb"] for q in per_query),
        "query_mean_kb": statistics.mean(q["kb"] for q in per_query),
        "found_share": found / len(queries),
    }


# --------------------------------------------------------------------------------------------
# One size


def _top_profile(path: Path, n: int = 18) -> str:
    import io
    import pstats

    buf = io.StringIO()
    stats = pstats.Stats(str(path), stream=buf)
    stats.sort_stats("cumulative").print_stats(n)
    buf.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(n)
    return buf.getvalue()


def bench(years: float, args: argparse.Namespace) -> dict[str, Any]:
    tag = f"y{years:g}"
    work = OUT / tag
    started = time.perf_counter()
    log = lambda msg: print(f"[{tag} +{time.perf_counter() - started:6.1f}s] {msg}", flush=True)  # noqa: E731
    prepare(work, years, args.seed)
    ndumps = len(list((work / "dumps").iterdir()))
    log(f"synthetic archive: {ndumps} days in {work / 'dumps'}")

    profile = OUT / f"{tag}-generator.prof" if args.profile else None
    gen = run_generator(work, scaling=True, profile=profile)
    t = gen["timings"]
    log(
        "generator: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in t.items())
        + f" = {gen['total_s']:.2f}s (process {gen['process_s']:.2f}s), peak RSS {gen['rss_mb']:.0f} MB; "
        f"{gen['entries']} sightings, {gen['papers']} papers, {gen['files']} files, {gen['bytes'] / MB:.1f} MB"
    )
    if profile:
        print(_top_profile(profile))
    scaling = None
    if gen["scaling"]:
        s = gen["scaling"]
        scaling = t["dedupe"] / s["dedupe_s"] if s["dedupe_s"] > 0 else None
        log(
            f"dedupe scaling: {t['dedupe']:.2f}s for {ndumps} days / "
            f"{s['dedupe_s']:.2f}s for the first {s['days']} = {scaling:.2f}"
        )

    env = dict(os.environ, DIGEST_DUMPS=str(work / "dumps"))
    mk_command = [
        PYTHON,
        "-m",
        "mkdocs",
        "build",
        "--config-file",
        str(work / "mkdocs.yml"),
        "--site-dir",
        str(work / "site"),
    ]
    mk_next_day = list(mk_command)
    if args.profile:
        mk_command = [PYTHON, "-m", "cProfile", "-o", str(OUT / f"{tag}-mkdocs.prof"), *mk_command[1:]]
    mk = run_child(mk_command, cwd=work, env=env)
    if mk["code"] != 0:
        raise SystemExit(f"mkdocs build failed ({mk['code']}):\n{mk['stderr'][-3000:]}")
    warnings = [line for line in mk["stderr"].splitlines() if line.startswith("WARNING")]
    log(
        f"mkdocs build: {mk['seconds']:.1f}s ({mk['cpu_s']:.1f}s of CPU), peak RSS {mk['rss_mb']:.0f} MB, "
        f"{len(warnings)} warnings"
    )
    for line in warnings[:5]:
        print("   ", line[:200])
    if args.profile:
        print(_top_profile(OUT / f"{tag}-mkdocs.prof", 25))
    site = site_stats(work / "site")
    queries = distinctive_words(work / "docs" / "data" / "papers.json")
    search = search_cost(work / "site", queries)
    log(
        f"site: {site['pages']} HTML pages, {site['site_mb']:.1f} MB, largest {site['largest_html']}; "
        f"search ({search['engine']}): initial {search['initial_kb']:.0f} KB, per query {search['query_kb']:.0f} KB "
        f"[{search.get('method')}]"
    )
    print("    search detail:", json.dumps({k: v for k, v in search.items() if k not in ("method",)}, default=str))

    plain_s, plain_capped, plain_site = None, False, None
    if not args.no_plain:
        plain = write_plain_project(work)
        pl = run_child(
            [
                PYTHON,
                "-m",
                "mkdocs",
                "build",
                "--config-file",
                str(plain / "mkdocs.yml"),
                "--site-dir",
                str(plain / "site"),
            ],
            cwd=plain,
            timeout=args.plain_timeout,
        )
        plain_capped = pl["timed_out"]
        if pl["code"] != 0 and not plain_capped:
            log(f"plain build failed ({pl['code']}): {pl['stderr'][-500:]}")
        else:
            plain_s = pl["seconds"]
            if not plain_capped:
                plain_site = site_stats(plain / "site")
                plain_site["search"] = search_cost(plain / "site")
        log(
            f"plain Material build: {plain_s:.1f}s{' (HIT THE CAP: killed)' if plain_capped else ''}, "
            f"peak RSS {pl['rss_mb']:.0f} MB"
            + (
                f"; {plain_site['pages']} pages, {plain_site['site_mb']:.0f} MB, "
                f"largest HTML {plain_site['max_html_kb']:.0f} KB, "
                f"lunr index {plain_site['search']['initial_kb'] / 1024:.1f} MB"
                if plain_site
                else ""
            )
        )
        if not args.keep:
            shutil.rmtree(plain, ignore_errors=True)

    # One more day.
    before = tree_hashes(work / "docs")
    extras = sorted((work / "extra").iterdir())
    extra = extras[0]
    shutil.copy(extra, work / "dumps" / extra.name)
    inc = run_generator(work)
    after = tree_hashes(work / "docs")
    changed = sorted(p for p in after if before.get(p) != after[p])
    written = sorted(inc["written"])
    kinds = Counter(p.split("/")[0] if "/" in p else p for p in written)
    only_changed = set(written) == set(changed)
    log(
        f"incremental (+{extra.name}, {inc['mode']}): {inc['total_s']:.2f}s in-process "
        f"(process {inc['process_s']:.2f}s, peak RSS {inc['rss_mb']:.0f} MB), "
        + ", ".join(f"{k} {v:.2f}s" for k, v in inc["timings"].items())
        + f"; wrote {len(written)} files ({dict(kinds)}), removed {len(inc['removed'])}, "
        f"unchanged {inc['unchanged']}; written == content-changed: {only_changed}"
    )

    # The site again with that day: the search bundles of years the day did not change come
    # from the cache (.cache/digest/search/), as in a daily rebuild.
    mk2 = run_child(mk_next_day, cwd=work, env=env)
    if mk2["code"] != 0:
        raise SystemExit(f"mkdocs build (next day) failed ({mk2['code']}):\n{mk2['stderr'][-3000:]}")
    log(f"mkdocs build with the new day: {mk2['seconds']:.1f}s, peak RSS {mk2['rss_mb']:.0f} MB")

    publish = next_day_publish(work, extras[1])
    log(
        f"next-day publish (digest site, +{extras[1].name}): {publish['seconds']:.1f}s, {publish['path']}; "
        f"{publish['pages']}"
    )
    preview = preview_latency(work, extras[2])
    log(
        f"preview (mkdocs serve --dirty, +{extras[2].name}): first build {preview['first_s']:.1f}s; "
        f"the new day served {preview['latency_s']:.1f}s after its dump was saved, its search "
        f"{preview['search_s']:.1f}s after; "
        f"builds after the save: {preview['builds_after']}"
    )

    ratio = mk["seconds"] / plain_s if plain_s else None
    figures = {
        "years": years,
        "days": ndumps,
        "papers": gen["papers"],
        "sightings": gen["entries"],
        "stages_s": {k: round(v, 2) for k, v in t.items()},
        "generator_s": round(gen["total_s"], 2),
        "generator_rss_mb": round(gen["rss_mb"]),
        "dedupe_scaling": round(scaling, 2) if scaling else None,
        "incremental_s": round(inc["total_s"], 2),
        "incremental_mode": inc["mode"],
        "incremental_process_s": round(inc["process_s"], 2),
        "incremental_files": len(written),
        "incremental_only_changed": only_changed,
        "mkdocs_s": round(mk["seconds"], 1),
        "mkdocs_rss_mb": round(mk["rss_mb"]),
        "incremental_mkdocs_s": round(mk2["seconds"], 1),
        "incremental_mkdocs_rss_mb": round(mk2["rss_mb"]),
        "publish_s": round(publish["seconds"], 1),
        "publish_path": publish["path"],
        "preview_s": round(preview["latency_s"], 1),
        "preview_search_s": round(preview["search_s"], 1),
        "preview_builds": preview["builds_after"],
        "plain_mkdocs_s": round(plain_s, 1) if plain_s else None,
        "plain_capped": plain_capped,
        "ratio": round(ratio, 3) if ratio else None,
        "peak_rss_mb": round(max(gen["rss_mb"], mk["rss_mb"], inc["rss_mb"], mk2["rss_mb"])),
        "pages": site["pages"],
        "site_mb": round(site["site_mb"], 1),
        "max_html_kb": round(site["max_html_kb"], 1),
        "max_html_page": site["max_html_page"],
        "search_engine": search["engine"],
        "search_initial_kb": round(search["initial_kb"], 1),
        "search_query_kb": round(search["query_kb"], 1),
        "search_found_share": search.get("found_share"),
        "wall_s": round(time.perf_counter() - started, 1),
    }
    print_report(figures)
    return figures


def next_day_publish(work: Path, day: Path) -> dict[str, Any]:
    """`digest site` (what `make site` and the deploy workflow run) after one more dump, with the
    last site/ and caches in place: generator, MkDocs (--dirty when exact) and search."""
    shutil.copy(day, work / "dumps" / day.name)
    command = [PYTHON, "-m", "generator", "site", "--dumps", str(work / "dumps"), "--site", str(work / "site")]
    command += ["--config", str(work / "mkdocs.yml")]
    done = run_child(command, cwd=work)
    if done["code"] != 0:
        raise SystemExit(f"digest site failed ({done['code']}):\n{done['stderr'][-3000:]}")
    said = done["stderr"]
    path = "dirty (only changed pages)" if "building again only the pages" in said else "full"
    pages = re.search(r"--dirty: (\d+ of \d+ pages built again)", said)
    return {"seconds": done["seconds"], "path": path, "pages": pages.group(1) if pages else ""}


def preview_latency(work: Path, day: Path, timeout_s: float = 900.0) -> dict[str, Any]:
    """`mkdocs serve --dirty` (as `make serve`): seconds from saving a new dump to its day page
    being served, and how many builds the save set off (one is right)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, DIGEST_DUMPS=str(work / "dumps"), NO_MKDOCS_2_WARNING="1")
    command = [PYTHON, "-m", "mkdocs", "serve", "--dirty", "-f", str(work / "mkdocs.yml"), "-a", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(server.stdout or ()), daemon=True).start()

    def wait(test: Any) -> float:
        start = time.perf_counter()
        while not test():
            if server.poll() is not None or time.perf_counter() - start > timeout_s:
                raise SystemExit("mkdocs serve failed:\n" + "".join(lines[-40:]))
            time.sleep(0.1)
        return time.perf_counter() - start

    try:
        first = wait(lambda: any("Serving on" in line for line in lines))
        [url] = [line.split("Serving on ", 1)[1].strip() for line in lines if "Serving on" in line]
        builds = sum("Building documentation" in line for line in lines)
        page = f"{url}days/{day.stem[:10]}/"

        def served() -> bool:
            try:
                with urllib.request.urlopen(page, timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        def searched() -> int:
            return sum("digest: search updated" in line for line in lines)

        wait(lambda: searched() >= 1)  # the first build's search, so that the save does not cancel it
        searches = searched()
        shutil.copy(day, work / "dumps" / day.name)
        saved = time.perf_counter()
        latency = wait(served)
        wait(lambda: searched() > searches)  # search follows the pages under serve
        search_s = time.perf_counter() - saved
        time.sleep(8)  # long enough for a second build to start, if the save set one off
        builds_after = sum("Building documentation" in line for line in lines) - builds
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return {"first_s": first, "latency_s": latency, "search_s": search_s, "builds_after": builds_after}


def print_report(f: dict[str, Any]) -> None:
    ratio = f["ratio"]
    ratio_text = (
        "n/a"
        if ratio is None
        else (f"<= {ratio:.2f} (plain build hit the cap)" if f["plain_capped"] else f"{ratio:.2f}")
    )
    plain_text = (
        "skipped"
        if f["plain_mkdocs_s"] is None
        else f"{f['plain_mkdocs_s']}s" + (" (cap)" if f["plain_capped"] else "")
    )
    rows = [
        ("days / sightings / papers", f"{f['days']} / {f['sightings']} / {f['papers']}"),
        ("generator stages (s)", ", ".join(f"{k} {v}" for k, v in f["stages_s"].items())),
        ("generator total", f"{f['generator_s']} s, peak RSS {f['generator_rss_mb']} MB"),
        ("dedupe time(all) / time(first fifth)", f["dedupe_scaling"]),
        (
            "incremental day",
            f"{f['incremental_s']} s, {f['incremental_files']} files written "
            f"(only changed: {f['incremental_only_changed']})",
        ),
        (
            "mkdocs build (ours)",
            f"{f['mkdocs_s']} s, peak RSS {f['mkdocs_rss_mb']} MB; with the next day "
            f"{f['incremental_mkdocs_s']} s, peak RSS {f['incremental_mkdocs_rss_mb']} MB",
        ),
        ("next-day publish (digest site)", f"{f['publish_s']} s, {f['publish_path']}"),
        (
            "preview: dump saved -> day served (its search)",
            f"{f['preview_s']} s ({f['preview_search_s']} s), {f['preview_builds']} build(s) set off",
        ),
        ("plain Material build", plain_text),
        ("ours / plain", ratio_text),
        ("pages / site size", f"{f['pages']} HTML pages, {f['site_mb']} MB"),
        ("largest HTML page", f"{f['max_html_kb']} KB ({f['max_html_page']})"),
        (
            "search",
            f"{f['search_engine']}: initial {f['search_initial_kb']} KB, "
            f"per query {f['search_query_kb']} KB, found {f['search_found_share']}",
        ),
        ("wall time of this size", f"{f['wall_s']} s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n== {f['years']:g} year(s) ==")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print(f"  targets (set for 5 years on 2 cores){'' if f['years'] >= 5 else '; informational at this size'}:")
    checks = [
        ("generator full run <= 60 s", f["generator_s"] <= TARGETS["generator_s"]),
        ("incremental day <= 3 s", f["incremental_s"] <= TARGETS["incremental_s"]),
        ("incremental writes only changed files", f["incremental_only_changed"]),
        ("next-day publish <= 15 s", f["publish_s"] <= TARGETS["publish_s"]),
        (
            "preview of a new dump <= 10 s, one build",
            f["preview_s"] <= TARGETS["preview_s"] and f["preview_builds"] == 1,
        ),
        ("mkdocs build <= 90 s", f["mkdocs_s"] <= TARGETS["mkdocs_s"]),
        ("peak RSS <= 1.5 GB", f["peak_rss_mb"] <= TARGETS["peak_rss_mb"]),
        ("site/ <= 500 MB", f["site_mb"] <= TARGETS["site_mb"]),
        ("no HTML page over 200 KB", f["max_html_kb"] <= TARGETS["max_html_kb"]),
        (
            "dedupe time(5y)/time(1y) <= 6",
            f["dedupe_scaling"] is not None and f["dedupe_scaling"] <= TARGETS["dedupe_scaling"],
        ),
        ("search initial download <= 1 MB", f["search_initial_kb"] <= TARGETS["search_initial_kb"]),
        ("search per-query download <= 500 KB", f["search_query_kb"] <= TARGETS["search_query_kb"]),
        ("search finds every sampled paper", f["search_found_share"] in (None, 1, 1.0)),
    ]
    for name, ok in checks:
        print(f"    {'PASS' if ok else 'FAIL'}  {name}")


def main(argv: list[str]) -> int:
    if argv and argv[0] == "_generate":
        sub = argparse.ArgumentParser()
        sub.add_argument("root", type=Path)
        sub.add_argument("dumps", type=Path)
        sub.add_argument("out", type=Path)
        sub.add_argument("--scaling", action="store_true")
        sub.add_argument("--profile", type=Path)
        a = sub.parse_args(argv[1:])
        generator_child(a.root, a.dumps, a.out, a.scaling, a.profile)
        return 0
    if argv and argv[0] == "_dedupe":
        dedupe_child(Path(argv[1]), int(argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", type=float, nargs="+", default=[0.1])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plain-timeout", type=float, default=300.0, help="cap on the plain Material build (s)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain Material build")
    parser.add_argument("--profile", action="store_true", help="cProfile the generator and mkdocs build (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the plain build's folder")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    last = {}
    for years in args.years:
        last = bench(years, args)
        (OUT / f"y{years:g}.json").write_text(json.dumps(last, indent=1) + "\n")
    keys = ("years", "papers", "generator_s", "incremental_s", "incremental_files", "mkdocs_s", "plain_mkdocs_s",
            "peak_rss_mb", "site_mb", "max_html_kb", "search_initial_kb", "search_query_kb")  # fmt: skip
    print(json.dumps({k: last[k] for k in keys}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
