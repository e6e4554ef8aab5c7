"""A deterministic synthetic archive of daily dumps, made from the seed dumps' real text.

Usage: python benchmarks/synth.py --years N --out DIR [--seed S] [--per-day M]

Writes DIR/YYYY-MM-DD.txt for round(365 * N) consecutive days (N may be fractional), about M
entries a day, each day in format A (blank-line blocks with author/organisation, "·" and date
metadata) or format B (alternating title/abstract lines, "Subscribe" glued to the first title),
picked at random per day. Papers are recombined from the seed dumps in dumps/:

* titles: a seed title with a few words replaced by words from other titles, two words swapped,
  and a numbered suffix so that every new title is distinct (different numbers also keep dedupe
  from ever merging two synthetic papers);
* abstracts: 3-7 sentences drawn from all seed abstracts, with ~15% of the words replaced by
  words from the abstract vocabulary, so no two abstracts open alike (real abstracts rarely do,
  and a shared opening would put every copy of a seed sentence in one dedupe block).

About one day in 60 is a busy day of 200-240 entries, as busy as the busiest real day (204 new
papers on 2026-11-19), so the largest pages measured are those of real busy days.

About 10% of each day's entries are re-sightings of earlier papers (mostly of recent weeks),
half of them exact and half perturbed: case change, truncated abstract ending in "…", a typo in
the title, an HTML entity in the title, or a new title with the same abstract.

Only random.Random(seed) is used, and day k depends only on the seed and days before it, so the
first D days of a D+1-day archive are the same files as a D-day archive.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DUMPS = ROOT / "dumps"
START = date(2021, 1, 4)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
HEADER_A = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\n{day}\n\n"
)
HEADER_B = "Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\nSubscribe"
ORGANIZATIONS = (
    "Google DeepMind", "Meta AI", "Microsoft Research", "Allen Institute for AI", "Tsinghua University",
    "Stanford University", "MIT CSAIL", "ETH Zurich", "Hugging Face", "Shanghai AI Lab",
)  # fmt: skip
BUSY_DAY_SHARE = 1 / 60  # the share of days as busy as the busiest real one
BUSY_DAY_ENTRIES = (200, 240)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_WORD = re.compile(r"^[A-Za-z][a-z]{3,}$")


@dataclass(frozen=True)
class Paper:
    title: str
    abstract: str


@dataclass
class Seeds:
    titles: list[str]
    sentences: list[str]
    title_words: list[str]
    abstract_words: list[str]


def load_seeds(dumps_dir: Path = SEED_DUMPS) -> Seeds:
    """Titles, abstract sentences and vocabularies of the seed dumps (parsed by the real parser)."""
    sys.path.insert(0, str(ROOT))
    from generator.files import read_dumps
    from generator.pipeline import parse_all

    entries, _ = parse_all(read_dumps(dumps_dir))
    titles = sorted({e.title for e in entries if e.title and len(e.title) < 200})
    sentences: set[str] = set()
    for e in entries:
        for s in _SENTENCE_SPLIT.split(e.abstract):
            s = s.strip()
            if 40 <= len(s) <= 400 and s[-1] in ".!?":
                sentences.add(s)
    title_words = sorted({w for t in titles for w in t.split() if _WORD.match(w)})
    abstract_words = sorted({w for s in sentences for w in s.split() if _WORD.match(w) and w.islower()})
    return Seeds(titles, sorted(sentences), title_words, abstract_words)


def _strip_digits(title: str) -> str:
    # Seed titles' own numbers (MOOSE-Chem2, GPT-4) would be version tokens of every copy.
    return re.sub(r"\d+", "", title)


def new_title(rng: random.Random, seeds: Seeds, number: int) -> str:
    words = _strip_digits(rng.choice(seeds.titles)).split()
    for _ in range(max(2, len(words) // 4)):
        i = rng.randrange(len(words))
        if _WORD.match(words[i]):
            words[i] = rng.choice(seeds.title_words)
    if len(words) > 3:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return f"{' '.join(words)} {number}"


def new_abstract(rng: random.Random, seeds: Seeds) -> str:
    sentences = rng.sample(seeds.sentences, rng.randint(3, 7))
    words = " ".join(sentences).split()
    for i, w in enumerate(words):
        if w.islower() and w.isalpha() and rng.random() < 0.15:
            words[i] = rng.choice(seeds.abstract_words)
    text = " ".join(words)
    while len(text) < 420:  # long enough to be recognised when retitled or truncated
        text += " " + rng.choice(seeds.sentences)
    return text


def _typo(rng: random.Random, title: str) -> str:
    words = title.split()
    candidates = [i for i, w in enumerate(words) if len(w) >= 6 and w.isalpha()]
    if not candidates:
        return title + "s"
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]  # swap two letters
    return " ".join(words)


def _entity(rng: random.Random, title: str) -> str:
    letters = [i for i, c in enumerate(title) if c.isascii() and c.isalpha()]
    i = rng.choice(letters)
    return f"{title[:i]}&#{ord(title[i])};{title[i + 1 :]}"


def _retitle(rng: random.Random, seeds: Seeds, title: str) -> str:
    number = title.rsplit(" ", 1)[-1]  # keep the version token, or dedupe rightly keeps them apart
    base = new_title(rng, seeds, 0).rsplit(" ", 1)[0]
    return f"{base} {number}"


def perturb(rng: random.Random, seeds: Seeds, paper: Paper) -> tuple[Paper, str]:
    kind = rng.choice(("exact", "exact", "exact", "exact", "exact", "case", "truncated", "typo", "entity", "retitled"))
    title, abstract = paper.title, paper.abstract
    if kind == "case":
        title = rng.choice((title.upper(), title.lower(), title.title()))
    elif kind == "truncated":
        cut = max(330, int(len(abstract) * rng.uniform(0.5, 0.8)))
        abstract = abstract[:cut].rstrip() + "…"
    elif kind == "typo":
        title = _typo(rng, title)
    elif kind == "entity":
        title = _entity(rng, title)
    elif kind == "retitled":
        title = _retitle(rng, seeds, title)
    return Paper(title, abstract), kind


def _published(rng: random.Random, day: date) -> str:
    when = day - timedelta(days=rng.choice((rng.randint(0, 30), rng.randint(0, 900))))
    text = f"{MONTHS[when.month - 1]} {when.day}"
    if when.year != day.year or rng.random() < 0.3:
        text += f", {when.year}"
    if rng.random() < 0.4:
        text += f" {rng.randint(1, 300)}"
    return text


def render_a(rng: random.Random, day: date, papers: list[Paper]) -> str:
    parts = [HEADER_A.format(day=f"{MONTHS[day.month - 1]} {day.day}")]
    for p in papers:
        who = f"  • {rng.randint(1, 40)} authors" if rng.random() < 0.8 else rng.choice(ORGANIZATIONS)
        parts.append(f"{p.title}\n\n{p.abstract}\n\n{who}\n·\n{_published(rng, day)}\n\n")
    return "".join(parts)


def render_b(papers: list[Paper]) -> str:
    return HEADER_B + "".join(f"{p.title}\n{p.abstract}\n" for p in papers)


def generate(days: int, seed: int = 1, per_day: int = 60, seeds: Seeds | None = None) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) for each of `days` consecutive days from START."""
    seeds = seeds or load_seeds()
    rng = random.Random(seed)
    history: list[Paper] = []
    number = 0
    for k in range(days):
        day = START + timedelta(days=k)
        count = rng.randint(per_day - 10, per_day + 10)
        # Busy days from a generator of their own: the other days stay as they were without them.
        busy = random.Random(f"{seed}-busy-{k}")
        if busy.random() < BUSY_DAY_SHARE:
            count = busy.randint(*BUSY_DAY_ENTRIES)
        papers: list[Paper] = []
        for _ in range(count):
            if history and rng.random() < 0.10:
                recent = history[-per_day * 30 :]
                original = rng.choice(recent if rng.random() < 0.8 else history)
                papers.append(perturb(rng, seeds, original)[0])
            else:
                number += 1
                paper = Paper(new_title(rng, seeds, number), new_abstract(rng, seeds))
                papers.append(paper)
        history.extend(p for p in papers)  # a re-sighting's text can be re-sighted again
        text = render_a(rng, day, papers) if rng.random() < 0.5 else render_b(papers)
        yield f"{day.isoformat()}.txt", text.encode("utf-8")


def days_for(years: float) -> int:
    return max(1, round(365 * years))


def write_archive(out: Path, years: float, seed: int = 1, per_day: int = 60, extra_days: int = 0) -> list[Path]:
    """Write the archive's dumps into `out` (created; existing dumps of other names are left)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in generate(days_for(years) + extra_days, seed, per_day):
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--years", type=float, required=True, help="archive length in years (365 days each)")
    parser.add_argument("--out", type=Path, required=True, help="folder to write YYYY-MM-DD.txt dumps into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-day", type=int, default=60, help="mean entries per day")
    args = parser.parse_args(argv)
    paths = write_archive(args.out, args.years, args.seed, args.per_day)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} dumps ({size / 1e6:.1f} MB) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
