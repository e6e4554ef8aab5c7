"""A labelled corpus of paper pairs for dedupe: revised abstracts that are the same paper, and hard
negatives that are not, made from the seed dumps' real titles and abstracts.

Usage: python benchmarks/dedupe_corpus.py [--seed S] [--split fit|report|all] [--per-paper N] [--out FILE]

Each case is two sightings (title, abstract) and whether they are one paper. For every seed paper
of the split, `per_paper` cases of each kind:

same paper
* ``revision``: the same title; one sentence replaced by a sentence of another paper, another
  sentence edited (words replaced, a phrase inserted or deleted, a number changed), the rest
  unchanged: an arXiv v2 as issue 14 describes it;
* ``revision-recased``: the same, the title in other letter case;
* ``revision-truncated``: the revision, seen truncated (cut at 40-90% of its length, with "…");
* ``revision-added``: one sentence edited and a new sentence inserted;
* ``revision-heavy``: two sentences replaced and one edited (harder than the issue's case).

different papers
* ``title-word+same-opening``: the title with one word replaced by a word of another title, and
  another paper's abstract that opens with this abstract's first sentence;
* ``other-title+same-opening``: another paper's title and abstract, opening with this abstract's
  first sentence ("Large language models (LLMs) have shown..." is common);
* ``suffix``: the title plus ": A Survey", " 2", ": Part II" or " and Beyond", with another
  paper's abstract;
* ``suffix+same-opening``: the same, that abstract opening with this abstract's first sentence;
* ``same-title+other-abstract``: the same title, another paper's abstract;
* ``same-title+same-opening``: the same title, another paper's abstract opening with this
  abstract's first sentence;
* ``same-title+same-opening-truncated``: the same, that abstract seen truncated (as above).

The seed papers are split in two halves by a hash of their title: ``fit`` (thresholds are fitted
on it) and ``report`` (figures are reported on it); donors of sentences, words and abstracts come
from the same half, so the halves share no text. Within a half, half the papers lend their
abstracts to negatives and the other half their sentences to revisions. Only random.Random(seed)
is used.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DUMPS = ROOT / "dumps"
SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'\[])")
_WORD = re.compile(r"^[A-Za-z][a-z]{3,}$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
SUFFIXES = (": A Survey", " 2", ": Part II", " and Beyond")
SAME_KINDS = ("revision", "revision-recased", "revision-truncated", "revision-added", "revision-heavy")
DIFFERENT_KINDS = (
    "title-word+same-opening",
    "other-title+same-opening",
    "suffix",
    "suffix+same-opening",
    "same-title+other-abstract",
    "same-title+same-opening",
    "same-title+same-opening-truncated",
)
KINDS = SAME_KINDS + DIFFERENT_KINDS
SPLITS = ("fit", "report")


@dataclass(frozen=True)
class SeedPaper:
    title: str
    abstract: str


@dataclass(frozen=True)
class Case:
    kind: str
    same: bool
    first: tuple[str, str]  # (title, abstract), seen first
    second: tuple[str, str]  # ... seen on a later day


def seed_papers(dumps_dir: Path = SEED_DUMPS) -> list[SeedPaper]:
    """The seed dumps' distinct papers (the first sighting of each distinct title, complete
    abstracts of at least two sentences only), sorted by title."""
    sys.path.insert(0, str(ROOT))
    from generator.files import read_dumps
    from generator.pipeline import parse_all

    entries, _ = parse_all(read_dumps(dumps_dir))
    first: dict[str, str] = {}
    for entry in entries:
        first.setdefault(entry.title, entry.abstract)
    return [
        SeedPaper(title, abstract)
        for title, abstract in sorted(first.items())
        if not abstract.rstrip().endswith(("...", "…")) and len(sentences(abstract)) >= 2
    ]


def split_of(paper: SeedPaper) -> str:
    return SPLITS[hashlib.blake2b(paper.title.encode()).digest()[0] % 2]


def sentences(abstract: str) -> list[str]:
    return [s for s in SENTENCE_SPLIT.split(abstract.strip()) if s]


def edit_sentence(rng: random.Random, sentence: str, vocabulary: list[str], donor: str) -> str:
    """One sentence edited the way a revision edits it: a few words replaced, a phrase inserted
    or deleted, or a number changed."""
    words = sentence.split()
    operation = rng.choice(("replace", "insert", "delete", "number"))
    if operation == "number" and _NUMBER.search(sentence):
        return _NUMBER.sub(lambda m: str(int(float(m.group()) * 1.5 + 1)), sentence, count=1)
    if operation == "insert" or (operation == "delete" and len(words) < 8):
        phrase = donor.split()
        start = rng.randrange(max(1, len(phrase) - 5))
        at = rng.randrange(1, len(words)) if len(words) > 1 else 1
        return " ".join(words[:at] + phrase[start : start + rng.randint(2, 5)] + words[at:])
    if operation == "delete":
        size = rng.randint(2, 5)
        at = rng.randrange(0, len(words) - size - 1)
        return " ".join(words[:at] + words[at + size :])
    for _ in range(rng.randint(1, 3)):
        candidates = [i for i, w in enumerate(words) if _WORD.match(w)] or list(range(len(words)))
        words[rng.choice(candidates)] = rng.choice(vocabulary)
    return " ".join(words)


def truncated(rng: random.Random, abstract: str) -> str:
    """The abstract cut at 40-90% of its length, with an ellipsis, as a dump shows it."""
    return abstract[: int(len(abstract) * rng.uniform(0.4, 0.9))].rstrip() + "…"


def lends_abstract(paper: SeedPaper) -> bool:
    """Whether the paper lends its abstract to other papers' negatives; the others lend their
    sentences to revisions. Kept apart, so that no revision borrows a sentence that a negative
    of the same paper holds too (the two would then rightly look alike)."""
    return hashlib.blake2b(paper.title.encode()).digest()[1] % 2 == 0


class Corpus:
    """The material of one split: its papers, the ones that lend abstracts, a pool of the
    others' sentences, vocabularies."""

    def __init__(self, papers: list[SeedPaper]) -> None:
        self.papers = papers
        self.donors = [p for p in papers if lends_abstract(p)]
        self.sentences = sorted(
            {s for p in papers if not lends_abstract(p) for s in sentences(p.abstract) if 40 <= len(s) <= 400}
        )
        self.abstract_words = sorted({w for s in self.sentences for w in s.split() if _WORD.match(w) and w.islower()})
        self.title_words = sorted({w for p in papers for w in p.title.split() if _WORD.match(w)})

    def donor(self, rng: random.Random, paper: SeedPaper) -> SeedPaper:
        while True:
            other = rng.choice(self.donors)
            if other.title != paper.title and sentences(other.abstract)[0] != sentences(paper.abstract)[0]:
                return other

    def new_sentence(self, rng: random.Random, paper: SeedPaper) -> str:
        own = set(sentences(paper.abstract))
        while True:
            sentence = rng.choice(self.sentences)
            if sentence not in own:
                return sentence

    def revise(self, rng: random.Random, paper: SeedPaper, replaced: int = 1, edited: int = 1, added: int = 0) -> str:
        """The abstract with `replaced` sentences replaced by new ones, `edited` others edited and
        `added` new ones inserted; the rest unchanged."""
        text = sentences(paper.abstract)
        chosen = rng.sample(range(len(text)), min(len(text), replaced + edited))
        for n, i in enumerate(chosen):
            if n < replaced:
                text[i] = self.new_sentence(rng, paper)
            else:
                text[i] = edit_sentence(rng, text[i], self.abstract_words, self.new_sentence(rng, paper))
        for _ in range(added):
            text.insert(rng.randint(1, len(text)), self.new_sentence(rng, paper))
        return " ".join(text)

    def same_opening(self, paper: SeedPaper, donor: SeedPaper) -> str:
        """The donor's abstract with its first sentence replaced by the paper's first sentence."""
        return " ".join([sentences(paper.abstract)[0], *sentences(donor.abstract)[1:]])

    def title_word_changed(self, rng: random.Random, title: str) -> str:
        words = title.split()
        candidates = [i for i, w in enumerate(words) if _WORD.match(w.strip(":,?!"))] or list(range(len(words)))
        i = rng.choice(candidates)
        while True:
            word = rng.choice(self.title_words)
            if word.lower() != words[i].strip(":,?!").lower():
                words[i] = words[i].replace(words[i].strip(":,?!"), word) if words[i].strip(":,?!") else word
                return " ".join(words)

    def case(self, rng: random.Random, paper: SeedPaper, kind: str) -> Case:
        title, abstract = paper.title, paper.abstract
        if kind in SAME_KINDS:
            if kind == "revision-heavy":
                revised = self.revise(rng, paper, replaced=2, edited=1)
            elif kind == "revision-added":
                revised = self.revise(rng, paper, replaced=0, edited=1, added=1)
            else:
                revised = self.revise(rng, paper)
            new_title = title
            if kind == "revision-recased":
                new_title = rng.choice((title.upper(), title.lower(), title.title()))
            elif kind == "revision-truncated":
                revised = truncated(rng, revised)
            return Case(kind, True, (title, abstract), (new_title, revised))
        donor = self.donor(rng, paper)
        if kind == "title-word+same-opening":
            second = (self.title_word_changed(rng, title), self.same_opening(paper, donor))
        elif kind == "other-title+same-opening":
            second = (donor.title, self.same_opening(paper, donor))
        elif kind == "suffix":
            second = (title + rng.choice(SUFFIXES), donor.abstract)
        elif kind == "suffix+same-opening":
            second = (title + rng.choice(SUFFIXES), self.same_opening(paper, donor))
        elif kind == "same-title+other-abstract":
            second = (title, donor.abstract)
        elif kind == "same-title+same-opening":
            second = (title, self.same_opening(paper, donor))
        elif kind == "same-title+same-opening-truncated":
            second = (title, truncated(rng, self.same_opening(paper, donor)))
        else:
            raise ValueError(f"unknown kind {kind!r}")
        return Case(kind, False, (title, abstract), second)


def generate(seed: int, split: str = "all", per_paper: int = 3, papers: list[SeedPaper] | None = None) -> list[Case]:
    """`per_paper` cases of every kind for every seed paper of the split, in a fixed order."""
    papers = papers if papers is not None else seed_papers()
    if split != "all":
        papers = [p for p in papers if split_of(p) == split]
    corpus = Corpus(papers)
    rng = random.Random(seed)
    return [corpus.case(rng, paper, kind) for paper in papers for kind in KINDS for _ in range(per_paper)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--per-paper", type=int, default=3, help="cases of each kind per seed paper")
    parser.add_argument("--out", type=Path, help="JSON Lines file to write (default: standard output)")
    args = parser.parse_args(argv)
    lines = "".join(
        json.dumps(asdict(c), ensure_ascii=False) + "\n" for c in generate(args.seed, args.split, args.per_paper)
    )
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
