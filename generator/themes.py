"""Theme assignment: papers -> one primary theme and up to two secondaries, with reasons.

Pure functions over strings and frozen dataclasses; the config text is read elsewhere.

A theme is scored by the terms of its own config entry found in the paper's title and
abstract. Terms are matched on lightly stemmed tokens, so "steering vectors" also matches
"steering vector"; a trailing ``*`` on a word matches any word starting with it. A term
found in the title counts ``title_weight`` times its weight; in the abstract it counts its
weight per occurrence, up to ``abstract_cap`` occurrences. Every weight is a constant of the
config, so a paper's themes depend only on its own text, the config and the overrides.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.errors import ConfigError, Problem
from generator.models import Paper

OTHER = "other"
MAX_SECONDARY = 2  # the product promises at most two secondary themes

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD_RE = re.compile(r"[a-z0-9]+")
_ASCII_SPLIT = {c: " " for c in range(128) if not chr(c).isalnum()}
_TERM_WORD_RE = re.compile(r"^[a-z0-9]+\*?$")

_TOP_KEYS = {
    "threshold": "score a theme needs before a paper can get it; below it the paper is 'other'",
    "max_secondary": "how many secondary themes a paper may get (0, 1 or 2)",
    "secondary_ratio": "a secondary theme needs at least this fraction of the primary's score",
    "title_weight": "how many times a title match counts compared to one abstract match",
    "abstract_cap": "at most this many abstract occurrences of one term are counted",
    "themes": "the list of themes, in display order, 'other' last",
}
_THEME_KEYS = {
    "id": "short stable id (lowercase letters, digits, hyphens)",
    "name": "display name",
    "description": "one line shown on the theme page",
    "boost": "multiplies the theme's score (tie-breaks between themes)",
    "keywords": "single words, weight 1 each unless given as `word: weight`",
    "phrases": "several words in a row, weight 2 each unless given as `phrase: weight`",
    "regexes": "Python regular expressions over the lowercased text, weight 2 each",
}
_DEFAULT_WEIGHT = {"keywords": 1.0, "phrases": 2.0, "regexes": 2.0}
_DEFAULTS: dict[str, float] = {
    "threshold": 3.0,
    "max_secondary": 2,
    "secondary_ratio": 0.5,
    "title_weight": 3.0,
    "abstract_cap": 3,
}


# ---------------------------------------------------------------------------- text


def stem(word: str) -> str:
    """A light, fixed suffix stripper: enough to match plurals and -ing/-ed forms."""
    if len(word) <= 3 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and len(word) >= 7:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 6:
        word = word[:-2]
    return word


def words(text: str) -> list[str]:
    """Lowercased ASCII alphanumeric words of a text (anything else splits words)."""
    lowered = text.lower()
    if lowered.isascii():  # the common case; str.translate is ~3x faster than the regex
        return lowered.translate(_ASCII_SPLIT).split()
    return _WORD_RE.findall(lowered)


# ---------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Term:
    """One scoring term of a theme as written in the config, with its weight."""

    text: str  # as written, shown by explain
    kind: str  # "keywords", "phrases" or "regexes"
    weight: float
    pattern: tuple[str, ...] = ()  # stemmed words; a trailing "*" marks a prefix
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True)
class Theme:
    id: str
    name: str
    description: str
    terms: tuple[Term, ...] = ()
    boost: float = 1.0


_Phrases = dict[int, list[tuple[tuple[int, ...], int]]]  # second id -> (later ids, term index)
_WordHit = tuple[tuple[int, ...], frozenset[int], tuple[_Phrases, ...]]


class _Matcher:
    """Compiled term index of a config; memoises what each word matches (pure cache)."""

    def __init__(self, themes: tuple[Theme, ...]) -> None:
        self.pattern_ids: dict[str, int] = {}
        self.prefixes: list[tuple[str, int]] = []
        self.singles: dict[int, list[int]] = {}  # pattern id -> one-word terms
        # first id -> second id -> (ids after the second, term index) of each phrase
        self.sequences: dict[int, dict[int, list[tuple[tuple[int, ...], int]]]] = {}
        self.terms: list[tuple[int, Term]] = []  # (theme index, term)
        self.regexes: list[int] = []
        for theme_index, theme in enumerate(themes):
            for term in theme.terms:
                term_index = len(self.terms)
                self.terms.append((theme_index, term))
                if term.regex is not None:
                    self.regexes.append(term_index)
                    continue
                ids = tuple(self._pattern_id(p) for p in term.pattern)
                if len(ids) == 1:
                    self.singles.setdefault(ids[0], []).append(term_index)
                else:
                    by_second = self.sequences.setdefault(ids[0], {})
                    by_second.setdefault(ids[1], []).append((ids[2:], term_index))
        # word -> (one-word terms it matches, pattern ids it matches, phrase starts); () if none
        self.cache: dict[str, _WordHit | tuple[()]] = {}

    def _pattern_id(self, pattern: str) -> int:
        if pattern not in self.pattern_ids:
            self.pattern_ids[pattern] = len(self.pattern_ids)
            if pattern.endswith("*"):
                self.prefixes.append((pattern[:-1], self.pattern_ids[pattern]))
                self.prefixes.sort()
        return self.pattern_ids[pattern]

    def _lookup(self, word: str) -> _WordHit | tuple[()]:
        ids = []
        exact = self.pattern_ids.get(stem(word))
        if exact is not None:
            ids.append(exact)
        # prefixes are sorted, so every prefix of `word` sorts at or before it
        end = bisect.bisect_right(self.prefixes, (word, len(self.pattern_ids)))
        ids.extend(pid for prefix, pid in self.prefixes[:end] if word.startswith(prefix))
        found: _WordHit | tuple[()] = ()
        if ids:
            singles = tuple(t for pid in ids for t in self.singles.get(pid, ()))
            starts = tuple(self.sequences[pid] for pid in ids if pid in self.sequences)
            found = (singles, frozenset(ids), starts)
        if len(self.cache) < 200_000:  # bounded memo; results never depend on it
            self.cache[word] = found
        return found

    def hit(self, word: str) -> _WordHit | tuple[()]:
        """What `word` matches: (one-word terms, pattern ids, phrase starts), or () for nothing."""
        found = self.cache.get(word)
        return self._lookup(word) if found is None else found

    def count(self, text: str, all_words: list[str] | None = None) -> Counter[int]:
        """How often each term occurs in the text (term index -> count); `all_words` are the
        text's words when the caller has them already."""
        if all_words is None:
            all_words = words(text)
        found = list(map(self.cache.get, all_words))
        if None in found:
            found = [f if f is not None else self._lookup(all_words[i]) for i, f in enumerate(found)]
        matched: list[int] = []
        n = len(found)
        for i in [i for i, hit in enumerate(found) if hit]:
            singles, _, starts = found[i]  # type: ignore[misc]  # filtered to non-empty hits
            matched += singles
            if not starts or i + 1 == n:
                continue
            following = found[i + 1]
            if not following:
                continue
            second = following[1]
            for by_second in starts:
                for pid2 in second:
                    for rest, term_index in by_second.get(pid2, ()):
                        if not rest or (
                            i + 1 + len(rest) < n
                            and all((nxt := found[i + 2 + k]) and rest[k] in nxt[1] for k in range(len(rest)))
                        ):
                            matched.append(term_index)
        counts = Counter(matched)
        if self.regexes:
            lowered = text.lower()
            for term_index in self.regexes:
                regex = self.terms[term_index][1].regex
                assert regex is not None
                hits = len(regex.findall(lowered))
                if hits:
                    counts[term_index] += hits
        return counts


@dataclass(frozen=True)
class ThemeConfig:
    themes: tuple[Theme, ...]  # taxonomy order, "other" last
    threshold: float = 3.0
    max_secondary: int = 2
    secondary_ratio: float = 0.5
    title_weight: float = 3.0
    abstract_cap: int = 3
    # Labelled papers (theme_model.Example) the learned model is fitted on; their digest is part
    # of the repr, which keys the theme cache and the next-day state.
    labels: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    # Example papers written for the themes (themes-examples.jsonl): learned from, never judged.
    written: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    labels_digest: str = ""
    _matcher: _Matcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", _Matcher(self.themes))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise KeyError(theme_id)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Checker:
    """Collects every problem of one config file before raising them together."""

    def __init__(self, path: str, loader: yaml.SafeLoader) -> None:
        self.path = path
        self.loader = loader
        self.problems: list[Problem] = []

    def add(self, node: yaml.Node | None, key: str | None, what: str, todo: str) -> None:
        line = _line(node) if node is not None else None
        self.problems.append(Problem(self.path, line, what, todo, key=key))

    def mapping(self, node: yaml.Node, key: str | None, allowed: Mapping[str, str] | None):
        """The (key, value node) pairs of a mapping node, reporting bad and repeated keys."""
        if not isinstance(node, yaml.MappingNode):
            self.add(node, key, "expected a mapping (`key: value` lines)", "rewrite it as a mapping")
            return {}
        items: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            where = f"{key}.{name}" if key and name else (name or key)
            if name is None:
                self.add(key_node, key, "a key is not plain text", "use a plain word as key")
            elif name in items:
                self.add(key_node, where, f"key '{name}' is repeated", "keep only one of them")
            elif allowed is not None and name not in allowed:
                known = ", ".join(sorted(allowed))
                self.add(key_node, where, f"unknown key '{name}'", f"use one of: {known}")
            else:
                items[name] = value_node
        return items

    def value(self, node: yaml.Node) -> Any:
        return self.loader.construct_object(node, deep=True)

    def number(self, node: yaml.Node, key: str, low: float, high: float, integer: bool = False) -> float | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        kind = "a whole number" if integer else "a number"
        number: float | None = None
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if is_number and (not integer or isinstance(value, int)):
            number = value
        if number is None or not (low <= number <= high):
            bounds = f"from {low:g} to {high:g}" if math.isfinite(high) else f">= {low:g}"
            self.add(
                node,
                key,
                f"must be {kind} {bounds}, got {node.value!r}"
                if isinstance(node, yaml.ScalarNode)
                else f"must be {kind}",
                f"set it to {kind} {bounds}",
            )
            return None
        return int(number) if integer else float(number)

    def text(self, node: yaml.Node, key: str, required: bool = True) -> str | None:
        value = self.value(node) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(value, str) or (required and not value.strip()):
            self.add(node, key, "must be a non-empty text", "write it as plain text")
            return None
        return value.strip()


def _term(checker: _Checker, kind: str, item: yaml.Node, key: str) -> Term | None:
    weight = _DEFAULT_WEIGHT[kind]
    text_node = item
    if isinstance(item, yaml.MappingNode):
        if len(item.value) != 1:
            checker.add(
                item,
                key,
                "a weighted term must be a single `term: weight` pair",
                "write one term per line, e.g. `- fmri: 3`",
            )
            return None
        text_node, weight_node = item.value[0]
        got = checker.number(weight_node, key, 0.0, 100.0)
        if got is None:
            return None
        weight = got
    if not isinstance(text_node, yaml.ScalarNode) or not str(text_node.value).strip():
        checker.add(item, key, "a term must be non-empty text", "write the term as plain text")
        return None
    text = str(text_node.value).strip()
    if kind == "regexes":
        try:
            regex = re.compile(text)
        except re.error as exc:
            checker.add(
                text_node,
                key,
                f"bad regular expression {text!r}: {exc}",
                "fix the expression (or quote it in single quotes)",
            )
            return None
        if regex.search(""):
            checker.add(
                text_node,
                key,
                f"regular expression {text!r} matches empty text",
                "make it match at least one character",
            )
            return None
        return Term(text, kind, weight, regex=regex)
    raw = text.lower().split()
    parts = [re.sub(r"[^a-z0-9*]+", " ", w).split() for w in raw]
    flat = [w for group in parts for w in group]
    if not flat or not all(_TERM_WORD_RE.match(w) for w in flat):
        checker.add(
            text_node,
            key,
            f"term {text!r} has no words or a misplaced '*'",
            "use letters and digits; '*' only at the end of a word",
        )
        return None
    if kind == "keywords" and len(flat) != 1:
        checker.add(text_node, key, f"keyword {text!r} has several words", "move it to `phrases`")
        return None
    if kind == "phrases" and len(flat) < 2:
        checker.add(text_node, key, f"phrase {text!r} has a single word", "move it to `keywords`")
        return None
    pattern = tuple(w if w.endswith("*") else stem(w) for w in flat)
    return Term(text, kind, weight, pattern=pattern)


def _theme(checker: _Checker, node: yaml.Node, key: str) -> Theme | None:
    items = checker.mapping(node, key, _THEME_KEYS)
    if not isinstance(node, yaml.MappingNode):
        return None
    if "id" not in items:
        checker.add(node, key, "theme has no id", "add `id: some-id`")
        return None
    theme_id = checker.text(items["id"], f"{key}.id")
    if theme_id is None:
        return None
    if not _ID_RE.match(theme_id):
        checker.add(
            items["id"],
            f"{key}.id",
            f"bad theme id {theme_id!r}",
            "use lowercase letters, digits and single hyphens, e.g. `brain-inspired`",
        )
    name = checker.text(items["name"], f"{key}.name") if "name" in items else theme_id
    description = ""
    if "description" in items:
        description = checker.text(items["description"], f"{key}.description", False) or ""
    boost = 1.0
    if "boost" in items:
        boost = checker.number(items["boost"], f"{key}.boost", 0.01, 100.0) or 1.0
    terms: list[Term] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    written = 0  # terms written, good or bad: a theme with only bad terms is not "empty"
    for kind in ("keywords", "phrases", "regexes"):
        if kind not in items:
            continue
        seq = items[kind]
        if not isinstance(seq, yaml.SequenceNode):
            checker.add(seq, f"{key}.{kind}", "must be a list", "write one `- term` per line")
            continue
        written += len(seq.value)
        for index, item in enumerate(seq.value):
            term = _term(checker, kind, item, f"{key}.{kind}[{index}]")
            if term is None:
                continue
            ident = (kind, term.pattern or (term.text,))
            if ident in seen:
                checker.add(item, f"{key}.{kind}[{index}]", f"term {term.text!r} is repeated", "keep only one of them")
                continue
            seen.add(ident)
            terms.append(term)
    if theme_id == OTHER and terms:
        checker.add(
            node,
            key,
            "theme 'other' has terms",
            "remove them: 'other' is what a paper gets when no theme scores enough",
        )
    if theme_id != OTHER and not written:
        checker.add(
            node, key, f"theme {theme_id!r} has no keywords, phrases or regexes", "add some terms, or delete the theme"
        )
    return Theme(theme_id, name or theme_id, description, tuple(terms), boost)


def _compose(loader: yaml.SafeLoader, path: str) -> yaml.Node | None:
    """The document's node tree (None when empty); a YAML syntax error names its line."""
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(Problem(path, line, f"not valid YAML: {exc}", "fix the YAML syntax")) from None


def _yaml_loader(text: str) -> yaml.SafeLoader:
    """libyaml's loader when PyYAML has it (ten times faster on themes.yml), else the Python one.
    Both give nodes with line marks and the same safe constructors."""
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return loader_class(text)  # type: ignore[no-any-return]


def parse_theme_config(text: str, path: str = "themes.yml") -> ThemeConfig:
    """Parse and validate themes.yml text; raise ConfigError listing every problem."""
    loader = _yaml_loader(text)
    try:
        root = _compose(loader, path)
        checker = _Checker(path, loader)
        if root is None:
            raise ConfigError(
                Problem(path, None, "the file is empty", "write a `themes:` list (see the shipped themes.yml)")
            )
        top = checker.mapping(root, None, _TOP_KEYS)
        values: dict[str, Any] = dict(_DEFAULTS)
        limits = {
            "threshold": (0.0, math.inf, False),
            "secondary_ratio": (0.0, 1.0, False),
            "title_weight": (0.0, 100.0, False),
            "abstract_cap": (1, 100, True),
            "max_secondary": (0, MAX_SECONDARY, True),
        }
        for name, (low, high, integer) in limits.items():
            if name in top:
                got = checker.number(top[name], name, low, high, integer)
                if got is not None:
                    values[name] = got
        themes: list[Theme] = []
        if "themes" not in top:
            if isinstance(root, yaml.MappingNode):
                checker.add(root, "themes", "no `themes:` list", "add the list of themes")
        elif not isinstance(top["themes"], yaml.SequenceNode):
            checker.add(top["themes"], "themes", "must be a list", "write one `- id: ...` per theme")
        else:
            id_lines: dict[str, int] = {}
            for index, node in enumerate(top["themes"].value):
                theme = _theme(checker, node, f"themes[{index}]")
                if theme is None:
                    continue
                if theme.id in id_lines:
                    checker.add(
                        node,
                        f"themes[{index}].id",
                        f"theme id {theme.id!r} is repeated (first at line {id_lines[theme.id]})",
                        "give each theme its own id",
                    )
                    continue
                id_lines[theme.id] = _line(node)
                themes.append(theme)
            themes_key = next(k for k, _ in root.value if k.value == "themes")
            if OTHER not in id_lines:
                checker.add(
                    themes_key,
                    "themes",
                    "there is no theme 'other'",
                    "add `- id: other` last, for papers no theme fits",
                )
            elif themes[-1].id != OTHER:
                checker.add(
                    themes_key, "themes", "theme 'other' is not last", "move the 'other' theme to the end of the list"
                )
        if checker.problems:
            raise ConfigError(checker.problems)
        return ThemeConfig(tuple(themes), **values)
    finally:
        loader.dispose()


def parse_overrides(text: str, path: str, config: ThemeConfig) -> dict[str, tuple[str, ...]]:
    """Parse overrides.yml (`paper id: [primary, secondary, ...]`); empty file -> {}."""
    loader = _yaml_loader(text)
    try:
        root = _compose(loader, path)
        if root is None:
            return {}
        checker = _Checker(path, loader)
        known = set(config.ids)
        most = 1 + config.max_secondary
        result: dict[str, tuple[str, ...]] = {}
        for paper_id, node in checker.mapping(root, None, None).items():
            if isinstance(node, yaml.ScalarNode):
                items = [node]
            elif isinstance(node, yaml.SequenceNode):
                items = list(node.value)
            else:
                checker.add(
                    node,
                    paper_id,
                    "must be a theme id or a list of theme ids",
                    "write `paper-id: [primary, secondary]`",
                )
                continue
            ids: list[str] = []
            for index, item in enumerate(items):
                key = paper_id if isinstance(node, yaml.ScalarNode) else f"{paper_id}[{index}]"
                value = item.value if isinstance(item, yaml.ScalarNode) else None
                if not isinstance(value, str) or value not in known:
                    checker.add(item, key, f"unknown theme id {value!r}", f"use one of: {', '.join(config.ids)}")
                elif value in ids:
                    checker.add(item, key, f"theme {value!r} is listed twice", "list each theme once")
                else:
                    ids.append(value)
            if not items:
                checker.add(node, paper_id, "no themes given", "list at least the primary theme")
            elif len(items) > most:
                checker.add(
                    node,
                    paper_id,
                    f"{len(items)} themes given; at most {most} allowed"
                    f" (a primary and {config.max_secondary} secondary)",
                    "remove the extra themes",
                )
            elif OTHER in ids and len(ids) > 1:
                checker.add(node, paper_id, "'other' is combined with other themes", "use 'other' alone, or drop it")
            result[paper_id] = tuple(ids)
        if checker.problems:
            raise ConfigError(checker.problems)
        return result
    finally:
        loader.dispose()


# ---------------------------------------------------------------------------- assignment


@dataclass(frozen=True)
class Assignment:
    themes: tuple[str, ...]  # primary first
    scores: tuple[tuple[str, float], ...]  # every theme, best first
    matched: tuple[tuple[str, tuple[str, ...]], ...]  # theme id -> matched terms, best first
    overridden: bool = False

    @property
    def primary(self) -> str:
        return self.themes[0]


def _score(
    title: str,
    abstract: str,
    config: ThemeConfig,
    split: tuple[list[str], list[str]] | None = None,
    reasons: bool = True,
):
    scores = [0.0] * len(config.themes)
    hits: list[list[tuple[float, str]]] = [[] for _ in config.themes]
    for term_index, points, label in term_points(title, abstract, config, split, reasons):
        theme_index = config._matcher.terms[term_index][0]
        scores[theme_index] += points
        if reasons:
            hits[theme_index].append((points, label))
    return theme_scores(scores, config), hits


def term_points(
    title: str,
    abstract: str,
    config: ThemeConfig,
    split: tuple[list[str], list[str]] | None = None,
    reasons: bool = False,
) -> list[tuple[int, float, str]]:
    """Each term found in the paper, in the matcher's term order: (its index in the matcher's
    terms, the points it gives its theme, what was found -- with `reasons` only, else "")."""
    matcher = config._matcher
    title_words, abstract_words = split if split is not None else (None, None)
    in_title = matcher.count(title, title_words)
    in_abstract = matcher.count(abstract, abstract_words)
    title_weight, cap = config.title_weight, config.abstract_cap
    found = []
    for term_index in sorted(in_title.keys() | in_abstract.keys()):
        term = matcher.terms[term_index][1]
        count = in_abstract.get(term_index, 0)
        if term_index in in_title:
            points = term.weight * (title_weight + min(count, cap))
        else:
            points = term.weight * min(count, cap)
        found.append((term_index, points, _found_label(term.text, term_index in in_title, count) if reasons else ""))
    return found


def _found_label(text: str, in_title: bool, count: int) -> str:
    """Where a term was found, as explain shows it: "steering (title, 2x in abstract)"."""
    if in_title:
        return f"{text} (title, {count}x in abstract)" if count else f"{text} (title)"
    return f"{text} ({count}x in abstract)"


def theme_scores(sums: Sequence[float], config: ThemeConfig) -> list[float]:
    """Per-theme sums of term points (config order) -> the themes' rule scores (boosted, rounded)."""
    return [round(s * t.boost, 3) for s, t in zip(sums, config.themes, strict=True)]


def choose(scores: Sequence[float], config: ThemeConfig) -> tuple[str, ...]:
    """The rules' themes from per-theme scores (config order): the best theme if it reaches
    the threshold (else 'other'), then secondaries reaching `secondary_ratio` of it."""
    ranked = sorted((i for i, t in enumerate(config.themes) if t.id != OTHER), key=lambda i: (-scores[i], i))
    best = ranked[0] if ranked else None
    if best is None or scores[best] < config.threshold or scores[best] <= 0:
        return (OTHER,)
    floor = max(config.threshold, config.secondary_ratio * scores[best])
    extra = [config.themes[i].id for i in ranked[1:] if scores[i] >= floor and scores[i] > 0]
    return (config.themes[best].id, *extra[: config.max_secondary])


def assign(title: str, abstract: str, config: ThemeConfig) -> Assignment:
    """Themes of one paper from its own title and abstract: primary first, then secondaries."""
    scores, hits = _score(title, abstract, config)
    order = sorted(range(len(config.themes)), key=lambda i: (-scores[i], i))
    return Assignment(
        themes=choose(scores, config),
        scores=tuple((config.themes[i].id, scores[i]) for i in order),
        matched=tuple(
            (config.themes[i].id, tuple(label for _, label in sorted(hits[i], key=lambda h: -h[0])))
            for i in order
            if hits[i]
        ),
    )


def assign_papers(
    papers: Iterable[Paper], config: ThemeConfig, overrides: Mapping[str, tuple[str, ...]]
) -> dict[str, Assignment]:
    """Assignment of every paper by id; a pinned paper keeps its scores but gets the pin."""
    result: dict[str, Assignment] = {}
    for paper in papers:
        result[paper.id] = _assign_one(paper, config, overrides)
    return result


def _assign_one(paper: Paper, config: ThemeConfig, overrides: Mapping[str, tuple[str, ...]]) -> Assignment:
    computed = assign(paper.title, paper.abstract, config)
    pinned = overrides.get(paper.id)
    if not pinned:
        return computed
    return Assignment(tuple(pinned), computed.scores, computed.matched, overridden=True)


# ---------------------------------------------------------------------------- explain


def explain(paper: Paper, config: ThemeConfig, overrides: Mapping[str, tuple[str, ...]]) -> str:
    """Why a paper got its themes: final themes, every theme's score and matched terms."""
    result = _assign_one(paper, config, overrides)
    computed = assign(paper.title, paper.abstract, config)
    matched = dict(result.matched)
    lines = [
        f"paper:     {paper.id}",
        f"title:     {paper.title}",
        f"themes:    {', '.join(result.themes)}" + ("  (pinned in overrides.yml)" if result.overridden else ""),
    ]
    if result.overridden:
        lines.append(f"computed:  {', '.join(computed.themes)}  (what the terms alone give)")
    lines.append(
        f"threshold: {config.threshold:g}  (a paper is 'other' when no theme reaches it; "
        f"secondaries need {config.secondary_ratio:g} x the primary's score)"
    )
    lines.append("scores:")
    width = max(len(t) for t in config.ids)
    for theme_id, score in result.scores:
        if theme_id == OTHER:
            continue
        terms = matched.get(theme_id, ())
        shown = "; ".join(terms) if terms else "no terms matched"
        lines.append(f"  {theme_id:<{width}}  {score:7.2f}  {shown}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- suggest

# words too common in abstracts to name a theme (used by suggest only)
_STOPWORDS = frozenset(
    {
        "a", "about", "above", "across", "after", "again", "against", "all", "also", "among", "an",
        "and", "any", "are", "as", "at", "be", "been", "before", "being", "below", "between",
        "both", "but", "by", "can", "could", "did", "do", "does", "doing", "during", "each",
        "either", "few", "for", "from", "further", "had", "has", "have", "having", "here", "how",
        "however", "if", "in", "into", "is", "it", "its", "itself", "just", "less", "more", "most",
        "much", "must", "no", "nor", "not", "of", "off", "on", "once", "only", "or", "other", "our",
        "out", "over", "own", "paper", "per", "propose", "proposed", "same", "several", "should",
        "show", "shows", "shown", "since", "so", "some", "such", "than", "that", "the", "their",
        "them", "then", "there", "these", "they", "this", "those", "through", "thus", "to", "too",
        "toward", "towards", "under", "until", "up", "upon", "use", "used", "uses", "using", "via",
        "was", "we", "were", "what", "when", "where", "whether", "which", "while", "who", "whom",
        "why", "will", "with", "within", "without", "would", "yet", "model", "models", "approach",
        "approaches", "method", "methods", "result", "results", "new", "novel", "study", "work",
        "based", "task", "tasks", "data", "dataset", "datasets", "performance", "large", "language",
        "llm", "llms", "existing", "first", "two", "three", "one", "well", "et", "al", "different",
        "various", "present", "presents", "introduce", "introduces", "demonstrate", "demonstrates",
        "including", "achieve", "achieves", "significant", "significantly", "often", "even", "make",
        "makes", "able", "allow", "allows", "provide", "provides", "given", "key",
    }
)  # fmt: skip


def _content_stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in _STOPWORDS and len(w) > 2 and not w.isdigit()]


def suggest(papers: Sequence[Paper], config: ThemeConfig, max_themes: int = 5) -> str:
    """Cluster the papers that land in 'other' and propose candidate themes as YAML.

    Deterministic: papers are taken in id order and ties break alphabetically. Words
    already used by a configured theme are left out so candidates add something new.
    """
    others = sorted(
        (p for p in papers if assign(p.title, p.abstract, config).themes == (OTHER,)),
        key=lambda p: p.id,
    )
    if not others:
        return "# No papers are in 'other': every paper fits a configured theme.\n"
    known = {w for t in config.themes for term in t.terms for w in term.pattern}
    docs: list[tuple[Paper, Counter[str], set[str]]] = []
    for paper in others:
        title_stems = {s for s in _content_stems(paper.title) if s not in known}
        bag = Counter(s for s in _content_stems(paper.abstract) if s not in known)
        for s in title_stems:
            bag[s] += 2  # title words say more about the topic
        docs.append((paper, bag, title_stems))
    # words in over a quarter of the abstracts are house style ("framework"), not topics
    generic = {s for s, n in Counter(s for d in docs for s in d[1]).items() if n > max(len(docs) / 4, 5)}
    lines = [
        f"# {len(others)} paper(s) landed in 'other'. Candidate themes below; review them,",
        "# uncomment and paste into themes.yml before `- id: other`.",
    ]
    remaining = list(range(len(docs)))
    made = 0
    while remaining and made < max_themes:
        # a seed is a word that at least two remaining titles share
        df = Counter(s for i in remaining for s in docs[i][2] if s not in generic)
        candidates = [(n, s) for s, n in df.items() if n >= 2]
        if not candidates:
            break
        _, seed = min(candidates, key=lambda c: (-c[0], c[1]))
        members = [i for i in remaining if seed in docs[i][2] or docs[i][1][seed] >= 3]
        weight: dict[str, float] = {}
        for i in members:
            for s, n in docs[i][1].items():
                if s not in generic:
                    weight[s] = weight.get(s, 0.0) + 1 + min(n, 3) / 4
        top = [s for s, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))[:8]]
        made += 1
        cid = f"candidate-{made}-{seed}"
        lines += [
            "",
            f"# {len(members)} paper(s) share '{seed}', e.g.:",
            *(f"#   - {docs[i][0].title}" for i in members[:5]),
            f"# - id: {cid}",
            f"#   name: {seed.capitalize()}",
            f"#   description: papers about {', '.join(top[:3])}",
            "#   keywords:",
            *(f"#     - {s}" for s in top),
        ]
        taken = set(members)
        remaining = [i for i in remaining if i not in taken]
    if remaining:
        lines += ["", f"# {len(remaining)} other 'other' paper(s) fit no candidate above."]
    return "\n".join(lines) + "\n"
