"""Entries -> distinct papers, each remembering every sighting. Pure.

Two sightings are the same paper when

* their titles agree (after normalisation, or within a small typo) and their abstracts agree
  (equal, within small edits, or one is a truncated / ellipsised prefix of the other); or
* their normalised titles are equal and their abstracts share most of their text (an abstract
  revised on arXiv: a sentence replaced, another edited); or
* their abstracts agree strongly (a retitled version of the same paper);

and never when their titles carry different number or version tokens (``MOOSE-Chem2`` vs
``MOOSE-Chem3``, ``Part II`` vs ``Part III``), nor when the titles agree but the abstracts don't
(another abstract, or one that only opens with the same sentence).

Candidates are found by blocking, never all pairs: each distinct (title, abstract) gets a few keys
(the normalised title, the title with one word left out, the first words of the abstract) and only
items sharing a key are compared, so the cost grows about linearly with the number of sightings.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from .models import Earlier, Entry, Paper, Sighting, half_year_end, newest_first

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-", "\u2026": "...",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[^\w]+")
_ASCII_PUNCT = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})
_ASCII_PUNCT_LINES = {**_ASCII_PUNCT, ord("\n"): "\n"}
_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_DIGITS = re.compile(r"\d+")
_ROMAN_LETTERS = set("ivxlcdm")
_VERSION_WORDS = {"v", "version", "part", "vol", "volume", "no", "chapter", "phase", "stage"}
# Titles within this ratio are the same title written with a small typo.
TITLE_TYPO_RATIO = 90.0
# Abstracts within this ratio are the same abstract (typos, whitespace, entity differences).
ABSTRACT_SAME_RATIO = 92.0
# A truncated abstract must keep at least this many characters to vouch for a paper (when the
# titles are equal after normalisation / when they differ by a typo).
MIN_PREFIX_SAME_TITLE = 20
MIN_PREFIX_CHARS = 60
# A retitled paper is recognised by its abstract alone only when the abstract is this long.
MIN_RETITLE_ABSTRACT_CHARS = 200
# Under the same title, an abstract revised on arXiv (a sentence replaced, another edited) is the
# same paper when the two share at least this share of their word trigrams (Dice). Fitted by
# benchmarks/dedupe_eval.py on the fit half of its corpus (the report half is held out), precision
# first: twice the highest share of two different papers there (0.22: same title, one abstract
# opening with the other's first sentence); revisions shared 0.63 or more.
REVISION_SHARE = 0.44
SHINGLE_WORDS = 3
# ... or when at least half the sentences (and at least two) are kept, equal or within a small
# edit: one long sentence replaced can be most of the text. A truncated copy is judged so only,
# on its whole sentences. Not fitted: this is the definition of a revision (another
# paper that opens alike keeps one sentence).
SENTENCE_SAME_RATIO = 80.0
MIN_KEPT_SENTENCES = 2
MAX_SENTENCES = 60  # compared per abstract (real ones have under 20): the matching is quadratic
# Where sentences end: . ! or ? and white space, before anything but a lower-case letter.
_SENTENCE_END = re.compile(r"[.!?]\s+(?=[^\sa-z])")
ABSTRACT_KEY_WORDS = 12
# Abstracts are compared on at most this many characters (real abstracts are shorter).
COMPARE_CHARS = 3000


def normalize(text: str) -> str:
    """Case-, punctuation-, entity- and Unicode-variant-insensitive form of a text."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_PUNCT).split())
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", decomposed).replace("_", " ").split())


_ELLIPSES = ("...", "…", "[...]", "(...)", "[…]", "(…)")


def strip_ellipsis(text: str) -> tuple[str, bool]:
    """Remove a trailing ellipsis; say whether there was one."""
    stripped = text.rstrip()
    cut = False
    while stripped.endswith(_ELLIPSES):
        for suffix in _ELLIPSES:
            if stripped.endswith(suffix):
                stripped = stripped[: -len(suffix)].rstrip()
                cut = True
                break
    return stripped, cut


def version_tokens(norm_title: str) -> tuple[str, ...]:
    """The tokens that tell versions apart: digit runs, roman numerals after a version word."""
    found = _DIGITS.findall(norm_title)
    tokens = norm_title.split()
    if not _VERSION_WORDS.intersection(tokens) and not any(set(t) <= _ROMAN_LETTERS for t in tokens):
        return tuple(sorted(found))
    for i, token in enumerate(tokens):
        after_version_word = i > 0 and tokens[i - 1] in _VERSION_WORDS
        if _ROMAN.match(token) and (after_version_word or (len(token) > 1 and set(token) <= set("ivx"))):
            found.append(token)
        elif after_version_word and len(token) == 1 and token.isalpha():
            found.append(token)  # "Part A" vs "Part B"
    return tuple(sorted(found))


class Item:
    """One distinct normalised (title, abstract) with the entries that carry it."""

    __slots__ = ("abstract", "cut", "entries", "index", "title", "versions")

    def __init__(self, index: int, title: str, abstract: str, cut: bool) -> None:
        self.index = index
        self.title = title
        self.abstract = abstract
        self.cut = cut  # the abstract ended in an ellipsis: it is a prefix of the real one
        self.versions = version_tokens(title)
        self.entries: list[Entry] = []


def _abstracts_agree(a: Item, b: Item, min_chars: int) -> bool:
    # Edit distance is quadratic in the worst case: judge on the first COMPARE_CHARS characters.
    x, y = a.abstract, b.abstract
    if not x or not y:
        return False
    if x == y:
        return True
    short, long_ = (x, y) if len(x) <= len(y) else (y, x)
    if len(short) < min_chars:
        return False
    if len(long_) - len(short) > 0.15 * len(long_) or a.cut or b.cut:
        # One is a truncated copy: compare it with the same length of the other.
        head = long_[: len(short)]
        if short == head:
            return True
        return (
            Levenshtein.normalized_similarity(short[:COMPARE_CHARS], head[:COMPARE_CHARS]) * 100 >= ABSTRACT_SAME_RATIO
        )
    return fuzz.ratio(x[:COMPARE_CHARS], y[:COMPARE_CHARS]) >= ABSTRACT_SAME_RATIO


def _shingles(words: Sequence[str]) -> set[tuple[str, ...]]:
    return set(zip(*(words[i:] for i in range(SHINGLE_WORDS)), strict=False))


def shared_text(x: str, y: str) -> float:
    """The share of word trigrams two normalised abstracts have in common (Dice: 0 to 1), on
    their first COMPARE_CHARS characters."""
    x_set, y_set = _shingles(x[:COMPARE_CHARS].split()), _shingles(y[:COMPARE_CHARS].split())
    if not x_set or not y_set:
        return 0.0
    return 2 * len(x_set & y_set) / (len(x_set) + len(y_set))


def revision_share(a: Item, b: Item) -> float | None:
    """What the revision rule judges two items with the same title by: the text their abstracts
    share (shared_text); None when one is too short to vouch for a revision."""
    if min(len(a.abstract), len(b.abstract)) < MIN_PREFIX_CHARS:
        return None
    return shared_text(a.abstract, b.abstract)


def _kept(reference: Sequence[str], other: Sequence[str]) -> int:
    unused = list(other)
    kept = 0
    for sentence in reference:
        found = process.extractOne(sentence, unused, scorer=fuzz.ratio, score_cutoff=SENTENCE_SAME_RATIO)
        if found is not None:
            kept += 1
            del unused[found[2]]
    return kept


def kept_sentences(a: Item, b: Item) -> tuple[int, int]:
    """How many sentences two abstracts have in common (equal or within a small edit, each
    matched once), out of how many: the sentences of the longer, or the whole sentences of a
    truncated copy (its last one is cut short, and what followed is unknown)."""
    x = a.abstract[:COMPARE_CHARS].split("\n", MAX_SENTENCES)[:MAX_SENTENCES]
    y = b.abstract[:COMPARE_CHARS].split("\n", MAX_SENTENCES)[:MAX_SENTENCES]
    if a.cut:
        x = x[:-1]
    if b.cut:
        y = y[:-1]
    kept = min(_kept(x, y), _kept(y, x))  # symmetric, whichever comes first
    if a.cut or b.cut:
        return kept, min(len(s) for s, cut in ((x, a.cut), (y, b.cut)) if cut)
    return kept, max(len(x), len(y))


def _revised(a: Item, b: Item) -> bool:
    share = revision_share(a, b)
    if share is None:
        return False
    # A truncated copy may hold little more than its opening sentence, which another paper can
    # share: it is judged by the whole sentences it kept only.
    if not (a.cut or b.cut) and share >= REVISION_SHARE:
        return True
    kept, total = kept_sentences(a, b)
    return kept >= MIN_KEPT_SENTENCES and 2 * kept >= total


def _titles_agree(a: Item, b: Item) -> bool:
    return a.title == b.title or fuzz.ratio(a.title, b.title) >= TITLE_TYPO_RATIO


def same_paper(a: Item, b: Item) -> bool:
    """The decision for one candidate pair; symmetric."""
    if a.versions != b.versions:
        return False
    if _titles_agree(a, b):
        if not a.abstract or not b.abstract:
            return a.title == b.title  # nothing else to go on: only an exact title vouches
        # The same title vouches for a short truncated copy; a title with a typo needs more text.
        if _abstracts_agree(a, b, MIN_PREFIX_SAME_TITLE if a.title == b.title else MIN_PREFIX_CHARS):
            return True
        if a.title != b.title:
            return False
        return _revised(a, b)  # a revised abstract (arXiv v2) under the same title
    return _abstracts_agree(a, b, MIN_RETITLE_ABSTRACT_CHARS)


def blocking_keys(item: Item) -> list[str]:
    words = item.title.split()
    keys = [f"t:{item.title}"]
    if 2 <= len(words) <= 40:
        # Two titles one typo apart share the key that leaves the mistyped word out.
        keys.extend("d:" + " ".join(words[:i] + words[i + 1 :]) for i in range(len(words)))
    abstract_words = item.abstract.split(maxsplit=2 * ABSTRACT_KEY_WORDS)
    if len(abstract_words) >= ABSTRACT_KEY_WORDS:
        keys.append("a:" + " ".join(abstract_words[:ABSTRACT_KEY_WORDS]))
        if len(abstract_words) >= 3 * ABSTRACT_KEY_WORDS:
            keys.append("b:" + " ".join(abstract_words[ABSTRACT_KEY_WORDS : 2 * ABSTRACT_KEY_WORDS]))
    return keys


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def normalize_sentences(text: str) -> str:
    """`normalize` sentence by sentence: the normalised sentences, one per line."""
    marked = _SENTENCE_END.sub("\n", text.replace("\n", " "))
    if marked.isascii() and "&" not in marked:  # most abstracts: the whole text at once
        lines = marked.lower().translate(_ASCII_PUNCT_LINES).split("\n")
        return "\n".join(filter(None, (" ".join(line.split()) for line in lines)))
    return "\n".join(filter(None, map(normalize, marked.split("\n"))))


def item_text(entry: Entry) -> tuple[str, str, bool]:
    """What makes an entry's item: its normalised title and abstract (an ellipsis stripped; one
    sentence per line), and whether the abstract was cut."""
    abstract, cut = strip_ellipsis(entry.abstract)
    return normalize(entry.title), normalize_sentences(abstract), cut


def sighting_order(entry: Entry) -> tuple[date, str, int]:
    return (entry.date, entry.dump, entry.position)


# A key shared by more items than this is too common to tell anything (boilerplate openings).
MAX_BLOCK = 200


class Grouper:
    """A grouping of entries into papers: the distinct texts (items), their blocking keys and
    the union-find over them. generator/incremental.py keeps it in compact form to extend it."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.texts: dict[tuple[str, str], Item] = {}
        self.blocks: dict[str, list[int]] = defaultdict(list)
        self.uf = _UnionFind(0)
        self.last: tuple[date, str, int] | None = None

    def _add(self, entry: Entry) -> None:
        title, abstract, cut = item_text(entry)
        item = self.texts.get((title, abstract))
        if item is None:
            item = self.texts[(title, abstract)] = Item(len(self.items), title, abstract, cut)
            self.items.append(item)
            self.uf.parent.append(item.index)
        item.entries.append(entry)

    def groups(self) -> dict[int, list[Entry]]:
        """Every group by its root (its smallest item), entries in sighting order."""
        found: dict[int, list[Entry]] = defaultdict(list)
        find = self.uf.find
        for item in self.items:
            found[find(item.index)].extend(item.entries)
        return {root: sorted(g, key=sighting_order) for root, g in found.items()}


def cold_grouper(entries: Iterable[Entry]) -> Grouper:
    """All entries grouped in one run: blocks are built first, then each compared once."""
    grouper = Grouper()
    ordered = sorted(entries, key=sighting_order)
    for entry in ordered:
        grouper._add(entry)
    grouper.last = sighting_order(ordered[-1]) if ordered else None
    items = grouper.items
    for item in items:
        for key in blocking_keys(item):
            grouper.blocks[key].append(item.index)
    uf = grouper.uf
    compared: set[tuple[int, int]] = set()
    for members in grouper.blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                i, j = members[x], members[y]
                if (i, j) in compared or uf.find(i) == uf.find(j):
                    continue
                compared.add((i, j))
                if same_paper(items[i], items[j]):
                    uf.union(i, j)
    return grouper


def group(entries: Iterable[Entry]) -> list[list[Entry]]:
    """Entries -> groups of entries that are one paper, each sorted by sighting order."""
    return list(cold_grouper(entries).groups().values())


@cache
def _slug(title: str) -> str:
    words = normalize(title).split()
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 48:
            break
        slug = f"{slug}-{word}" if slug else word
    ascii_slug = re.sub(r"[^a-z0-9-]+", "", slug.encode("ascii", "ignore").decode())
    return re.sub(r"-{2,}", "-", ascii_slug).strip("-") or "paper"


def paper_id(title: str, salt: str = "") -> str:
    """Readable slug + 8 hex digits of the normalised title (and a salt on a clash)."""
    digest = hashlib.sha1((normalize(title) + salt).encode()).hexdigest()[:8]
    return f"{_slug(title)}-{digest}"


def _complete(group_entries: Sequence[Entry]) -> list[bool]:
    """Which entries carry a complete abstract: not ellipsised, and not the beginning of a
    longer abstract of the group (a copy cut without an ellipsis)."""
    texts = [strip_ellipsis(e.abstract) for e in group_entries]
    norms = [normalize(abstract) for abstract, _ in texts]
    cut_short = {n: any(len(m) > len(n) and m.startswith(n) for m in norms) for n in set(norms)}
    return [not cut and not cut_short[n] for (_, cut), n in zip(texts, norms, strict=True)]


def shown(group_entries: Sequence[Entry]) -> Entry:
    """The sighting whose title and abstract a paper shows: the newest with a complete abstract
    (a revision replaces the earlier text, a truncated copy never does); when every copy was
    truncated, the longest (the newest of equals)."""
    if len(group_entries) == 1:
        return group_entries[0]
    complete = _complete(group_entries)
    if any(complete):
        return [e for e, whole in zip(group_entries, complete, strict=True) if whole][-1]
    return max(reversed(group_entries), key=lambda e: len(strip_ellipsis(e.abstract)[0]))


def merge(group_entries: Sequence[Entry]) -> Paper:
    """One group (sorted by sighting order) -> a paper with a provisional id."""
    first, last = group_entries[0], group_entries[-1]
    best = shown(group_entries)
    with_meta = [
        e for e in group_entries
        if e.published or e.upvotes is not None or e.authors_count is not None or e.organization
    ]  # fmt: skip
    latest_meta = with_meta[-1] if with_meta else None
    earlier = None
    if last.date > (until := half_year_end(first.date)):
        then = shown([e for e in group_entries if e.date <= until])
        if (then.title, then.abstract) != (best.title, best.abstract):
            earlier = Earlier(until, then.title, then.abstract)
    return Paper(
        id=paper_id(first.title),
        title=best.title,
        abstract=best.abstract,
        first_seen=first.date,
        last_seen=last.date,
        published=latest_meta.published if latest_meta else None,
        authors_count=latest_meta.authors_count if latest_meta else None,
        organization=latest_meta.organization if latest_meta else None,
        upvotes=latest_meta.upvotes if latest_meta else None,
        sightings=tuple(Sighting(e.dump, e.date, e.position, e.line) for e in group_entries),
        titles=tuple(dict.fromkeys(e.title for e in group_entries)),
        earlier=earlier,
    )


def dedupe(entries: Iterable[Entry]) -> list[Paper]:
    """Entries -> papers, newest `first_seen` first, then by id. Ids are unique."""
    return dedupe_grouped(cold_grouper(entries))[0]


def dedupe_grouped(grouper: Grouper) -> tuple[list[Paper], dict[int, str]]:
    """The papers of a grouper's groups (sorted as `dedupe` sorts them) and each group's id."""
    found = new_papers(grouper.groups(), set())
    papers = sorted((paper for _, paper in found), key=newest_first)
    return papers, {root: paper.id for root, paper in found}


def new_papers(groups: dict[int, list[Entry]], taken: set[str]) -> list[tuple[int, Paper]]:
    """(root, paper) for groups that have no id yet, in order of their first sighting; `taken`
    holds the ids in use and gains theirs.

    Two different papers whose first titles normalise alike (same title, different abstract)
    get distinct ids: the one first seen keeps the plain id, the other's hash also covers its
    abstract.
    """
    papers: list[tuple[int, Paper]] = []
    for root in sorted(groups, key=lambda r: sighting_order(groups[r][0])):
        g = groups[root]
        paper = merge(g)
        pid = paper.id
        if pid in taken:
            pid = paper_id(g[0].title, "\x00" + normalize(strip_ellipsis(g[0].abstract)[0]))
        n = 2
        while pid in taken:  # a clash of the hash itself: vanishingly rare, but never merge ids
            pid = f"{paper_id(g[0].title)}-{n}"
            n += 1
        taken.add(pid)
        papers.append((root, with_id(paper, pid)))
    return papers


def with_id(paper: Paper, pid: str) -> Paper:
    from dataclasses import replace

    return paper if paper.id == pid else replace(paper, id=pid)
