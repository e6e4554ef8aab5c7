"""How much of the code the tests guard: apply single-point mutations, one at a time, to
check.py, files.py, dedupe.py, incremental.py and themes.py, run the tests that cover that
module, and count the mutations some test catches (goes red on).

    python benchmarks/mutations.py                  # every module
    python benchmarks/mutations.py check files      # some modules
    python benchmarks/mutations.py --list           # the mutations, without running anything

Each mutation is one meaningful change a slip of the keyboard could make: a comparison
flipped or loosened, a bar moved, a guard or a report dropped. Mutations that cannot change
behaviour (equivalent mutants) are left out. The source file is restored after each run,
also on Ctrl-C. Prints each mutation's outcome, then caught / total per module.
"""

# ruff: noqa: E501 (each mutation quotes a line of code verbatim; wrapping them would hide what changes)

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    old: str  # exactly this text, found once in the module (or at `nth` occurrence)
    new: str
    why: str
    nth: int = 0


# The tests that cover each module (pytest arguments).
TESTS = {
    "check": ["tests/test_check.py"],
    "files": ["tests/test_mutation_guards.py", "tests/test_reliability.py", "tests/test_resilience.py", "tests/test_cli.py",
              "-k", "writer or damaged or digest or fails_midway or lock or killed or up_to_date or record"],
    "dedupe": ["tests/test_dedupe.py", "tests/test_mutation_guards.py"],
    "incremental": ["tests/test_incremental.py", "tests/test_mutation_guards.py"],
    "themes": ["tests/test_themes.py", "tests/test_mutation_guards.py"],
}  # fmt: skip

MUTATIONS: dict[str, list[Mutation]] = {
    "check": [
        Mutation("        if n > 1:\n            report.problems.append(f\"dumps/", "        if n > 2:\n            report.problems.append(f\"dumps/", "a sighting listed twice passes"),
        Mutation("        if key not in in_dumps:", "        if False:", "a sighting no dump holds passes"),
        Mutation("        if key not in in_archive:", "        if False:", "a missing sighting passes"),
        Mutation("    for pid, n in sorted(ids.items()):\n        if n > 1:", "    for pid, n in sorted(ids.items()):\n        if n > 2:", "one id for two papers passes"),
        Mutation("        if len(where) != 1 or where[0] not in (day_page, *_parts_of(where[0], paper[\"first_seen\"])):", "        if not where:", "a paper on two day pages passes"),
        Mutation("            if f'.md#{pid}\"' not in theme_text.get(theme, \"\"):", "            if False:", "a paper missing from its theme page passes"),
        Mutation("            if not url.startswith(site_url + \"days/\"):", "            if not url.startswith(\"http\"):", "a feed item outside the site passes"),
        Mutation("            if (day, unquote(anchor)) not in anchors:", "            if False:", "a feed item with no anchor passes"),
        Mutation("        except (ValueError, ET.ParseError) as exc:", "        except ZeroDivisionError as exc:", "an unreadable feed is a traceback"),
        Mutation("            if target.startswith(\"..\") or target not in site:", "            if False:", "a broken link passes"),
        Mutation("            if parts.fragment and target in parsed and unquote(parts.fragment) not in parsed[target].ids:", "            if False:", "a link to a missing anchor passes"),
        Mutation("                if not link_path.startswith(prefix):", "                if False:", "a link leaving the base path passes"),
        Mutation("        if source.endswith(\".md\") and _page_url_path(source) not in site:", "        if False:", "a stale site passes"),
        Mutation("    report.counts[\"sightings\"] = len(entries)", "    report.counts[\"sightings\"] = len(papers)", "the sightings count is wrong"),
    ],
    "files": [
        Mutation("    if out_dir.resolve() not in target.parents:", "    if False:", "writes outside the output"),
        Mutation("    target = (out_dir / rel).resolve()", "    target = out_dir / rel", "a symlink or ../ leads out"),
        Mutation("            if target.stat().st_size == len(files[rel]) and target.read_bytes() == files[rel]:", "            if target.stat().st_size == len(files[rel]):", "a same-size change is not written"),
        Mutation("    stale = sorted(p for p in previous - generated if (out_dir / p).is_file())", "    stale: list[str] = []", "files no longer generated stay"),
        Mutation("        if match and not _alive(int(match.group(1))):", "        if False:", "a killed build's temporaries stay"),
        Mutation("    except ProcessLookupError:\n        return False", "    except ProcessLookupError:\n        return True", "dead processes count as alive"),
        Mutation("        intact = record[\"digest\"] == _json_digest(body)", "        intact = True", "a damaged JSON cache is trusted"),
        Mutation("    except DamagedCache as exc:\n        note_damaged(notes, path, str(exc))\n        return None", "    except DamagedCache:\n        return None", "a damaged state is not reported"),
        Mutation("            with contextlib.suppress(OSError):\n                tmp.unlink()\n        raise", "            pass\n        raise", "a failed write leaves temporaries"),
        Mutation("    if _stats(out_dir, list(record[\"files\"])) != record[\"files\"]:", "    if False:", "an edited output counts as up to date"),
        Mutation("        settled = stats.st_ctime_ns < self.saved_ns - self.SETTLED_NS", "        settled = True", "a changed dump keeps its old digest"),
        Mutation("        if at + size > os.fstat(handle.fileno()).st_size:", "        if False:", "a damaged record head allocates what it says"),
    ],
    "dedupe": [
        Mutation("ABSTRACT_SAME_RATIO = 92.0", "ABSTRACT_SAME_RATIO = 90.0", "the abstract bar loosened"),
        Mutation("ABSTRACT_SAME_RATIO = 92.0", "ABSTRACT_SAME_RATIO = 94.0", "the abstract bar tightened"),
        Mutation("    return fuzz.ratio(x[:COMPARE_CHARS], y[:COMPARE_CHARS]) >= ABSTRACT_SAME_RATIO", "    return fuzz.ratio(x[:COMPARE_CHARS], y[:COMPARE_CHARS]) > ABSTRACT_SAME_RATIO", "the bar itself excluded"),
        Mutation("TITLE_TYPO_RATIO = 90.0", "TITLE_TYPO_RATIO = 80.0", "the title-typo bar loosened"),
        Mutation("    if a.versions != b.versions:\n        return False", "    if False:\n        return False", "versions merged"),
        Mutation("            return a.title == b.title  # nothing else", "            return True  # nothing else", "an abstract-less title typo merges"),
        Mutation("    if len(short) < min_chars:\n        return False", "    if False:\n        return False", "a short prefix vouches"),
        Mutation("    if len(long_) - len(short) > 0.15 * len(long_) or a.cut or b.cut:", "    if len(long_) - len(short) > 0.5 * len(long_) or a.cut or b.cut:", "truncation recognised less"),
        Mutation("    return _abstracts_agree(a, b, MIN_RETITLE_ABSTRACT_CHARS)", "    return False", "retitled papers never merge"),
        Mutation("MIN_RETITLE_ABSTRACT_CHARS = 200", "MIN_RETITLE_ABSTRACT_CHARS = 20", "a short abstract vouches for a new title"),
        Mutation("    return a.title == b.title or fuzz.ratio(a.title, b.title) >= TITLE_TYPO_RATIO", "    return a.title == b.title", "title typos never agree"),
    ],
    "incremental": [
        Mutation("                            return None  # two earlier papers become one", "                            pass", "two earlier papers merged in place"),
        Mutation("        if self.last is not None and sighting_order(ordered[0]) <= self.last:", "        if False:", "an earlier day is added in place"),
        Mutation("        return text if self.texts.get(_text_digest(text[0], text[1])) == i else None", "        return text", "a damaged stored text is trusted"),
        Mutation("                        self.parent[max(a, b)] = min(a, b)", "                        self.parent[min(a, b)] = max(a, b)", "the root is not the smallest item"),
        Mutation("                if len(members) == MAX_BLOCK and members[0] < known:", "                if False:", "a block past the cap is extended"),
        Mutation("                if len(members) > MAX_BLOCK:\n                    continue", "                if False:\n                    continue", "over-full blocks compared"),
        Mutation("    return _RECORD_HEAD.pack(len(title_bytes), len(abstract_bytes), cut) + title_bytes + abstract_bytes", "    return _RECORD_HEAD.pack(len(abstract_bytes), len(title_bytes), cut) + title_bytes + abstract_bytes", "stored texts read back wrong (so from the dumps)"),
        Mutation("        earlier = [load(dump, position) for dump, position in known_sightings.get(root, ())]", "        earlier = []", "earlier sightings dropped"),
        Mutation("        combined.sort()\n        self.key_high", "        self.key_high", "later days' keys folded in unsorted"),
        Mutation("    if joined is None:\n        return None", "    if joined is None:\n        return Regrouped(dict(ids), {}, [], [])", "a declined day is not declined"),
        Mutation("        if i >= self.stored:", "        if i > self.stored:", "the first pending text read from the file"),
    ],
    "themes": [
        Mutation("    floor = max(config.threshold, config.secondary_ratio * scores[best])", "    floor = config.threshold", "the secondary ratio ignored"),
        Mutation("    floor = max(config.threshold, config.secondary_ratio * scores[best])", "    floor = config.secondary_ratio * scores[best]", "the threshold ignored for secondaries"),
        Mutation("if scores[i] >= floor and scores[i] > 0]", "if scores[i] > floor and scores[i] > 0]", "the secondary bar itself excluded"),
        Mutation("    return (config.themes[best].id, *extra[: config.max_secondary])", "    return (config.themes[best].id, *extra)", "more secondaries than allowed"),
        Mutation("    if best is None or scores[best] < config.threshold or scores[best] <= 0:", "    if best is None or scores[best] <= config.threshold or scores[best] <= 0:", "the threshold itself excluded"),
        Mutation("    order = sorted(range(len(config.themes)), key=lambda i: (-scores[i], i))", "    order = sorted(range(len(config.themes)), key=lambda i: (-scores[i], -i))", "ties go to the last theme"),
        Mutation("            points = term.weight * min(count, cap)", "            points = term.weight * count", "the abstract cap ignored"),
        Mutation("    return [round(s * t.boost, 3) for s, t in zip(sums, config.themes, strict=True)]", "    return [round(s, 3) for s, t in zip(sums, config.themes, strict=True)]", "boost ignored"),
        Mutation("            points = term.weight * (title_weight + min(count, cap))", "            points = term.weight * (1 + min(count, cap))", "title weight ignored"),
        Mutation("                elif value in ids:", "                elif False:", "a theme listed twice in an override"),
        Mutation("            elif len(items) > most:", "            elif len(items) > most + 1:", "an override with too many themes"),
    ],
}  # fmt: skip


def apply(source: str, mutation: Mutation) -> str:
    at = -1
    for _ in range(mutation.nth + 1):
        at = source.find(mutation.old, at + 1)
        if at < 0:
            raise SystemExit(f"not found: {mutation.old!r}")
    return source[:at] + mutation.new + source[at + len(mutation.old) :]


def run(module: str, mutation: Mutation) -> tuple[bool, float]:
    path = ROOT / "generator" / f"{module}.py"
    original = path.read_bytes()
    mutated = apply(original.decode(), mutation)
    started = time.perf_counter()
    try:
        path.write_text(mutated, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS[module]],
            cwd=ROOT,
            capture_output=True,
            timeout=1800,
            check=False,
        )
        caught = done.returncode != 0
    except subprocess.TimeoutExpired:
        caught = True  # a test that hangs is a test that failed
    finally:
        path.write_bytes(original)
    return caught, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="module", help=f"some of: {', '.join(MUTATIONS)} (default: all)")
    parser.add_argument("--list", action="store_true", help="list the mutations and check they apply")
    parser.add_argument("--only", type=int, action="append", default=[], help="run only mutation N (repeatable)")
    args = parser.parse_args()
    unknown = set(args.modules) - set(MUTATIONS)
    if unknown:
        parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
    args.modules = args.modules or list(MUTATIONS)
    totals: dict[str, tuple[int, int]] = {}
    for module in args.modules:
        source = (ROOT / "generator" / f"{module}.py").read_text(encoding="utf-8")
        caught_here = 0
        for n, mutation in enumerate(MUTATIONS[module], 1):
            apply(source, mutation)  # every mutation must apply before anything runs
            if args.list:
                print(f"{module} {n:2}: {mutation.why}")
                continue
            if args.only and n not in args.only:
                continue
            caught, seconds = run(module, mutation)
            caught_here += caught
            print(
                f"{module} {n:2}: {'caught  ' if caught else 'SURVIVED'} {seconds:5.0f} s  {mutation.why}", flush=True
            )
        ran = [n for n in range(1, len(MUTATIONS[module]) + 1) if not args.only or n in args.only]
        totals[module] = (caught_here, len(ran))
    if not args.list:
        for module, (caught, total) in totals.items():
            print(f"{module}: {caught} of {total} caught")
        caught_all = sum(c for c, _ in totals.values())
        total_all = sum(t for _, t in totals.values())
        print(f"all: {caught_all} of {total_all} caught ({100 * caught_all / total_all:.0f}%)")


if __name__ == "__main__":
    main()
