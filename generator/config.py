"""Configuration: the site settings in mkdocs.yml (plus `extra.digest`), themes and overrides.

Pure: texts in, a validated, typed `Config` out. Every problem is reported at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ConfigError, Problem, Warning_
from .theme_model import parse_labels, with_labels, written_examples
from .themes import ThemeConfig, parse_overrides, parse_theme_config


@dataclass(frozen=True)
class SiteConfig:
    """What pages and feeds need to know about the site."""

    site_name: str = "Paper digest"
    site_url: str = "https://example.org/"  # mkdocs.yml must set it (parse_site_config)
    site_description: str = "Daily papers, deduplicated and grouped by theme."
    language: str = "en"
    feed_items: int = 200  # a feed holds its newest whole days: at least this many papers when it has them
    home_days: int = 7  # how many recent days the home page lists
    repo_url: str | None = None


# `extra.digest` options: name -> (type, default, rule, what to do when the value is wrong)
_DIGEST_OPTIONS: dict[str, tuple[type, Any, str]] = {
    "feed_items": (int, 200, "a whole number from 1 to 100000"),
    "home_days": (int, 7, "a whole number from 1 to 366"),
}
_LIMITS = {"feed_items": (1, 100_000), "home_days": (1, 366)}


# The site_url mkdocs.yml ships with: builds warn about it, the deploy workflow refuses it.
PLACEHOLDER_SITE_URL = "https://example.github.io/digest/"
_SITE_URL_TODO = "set site_url in mkdocs.yml to the published address (https://<user>.github.io/<repository>/)"


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    themes: ThemeConfig
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)
    mkdocs_path: str = "mkdocs.yml"
    overrides_path: str = "overrides.yml"
    override_lines: dict[str, int] = field(default_factory=dict)  # paper id -> its line in overrides.yml

    def placeholder_problem(self) -> Problem | None:
        """What is wrong when site_url is still the shipped placeholder (feeds would point there)."""
        if self.site.site_url != PLACEHOLDER_SITE_URL:
            return None
        return Problem(self.mkdocs_path, None, "still the shipped placeholder", _SITE_URL_TODO, "site_url")

    def warnings(self, paper_ids: Iterable[str]) -> list[Warning_]:
        """Recoverable configuration mistakes, given the built papers' ids: the placeholder
        site_url, and overrides naming no known paper (with the closest id when there is one)."""
        found: list[Warning_] = []
        placeholder = self.placeholder_problem()
        if placeholder is not None:
            found.append(Warning_(self.mkdocs_path, None, "site_url is still the shipped placeholder", _SITE_URL_TODO))
        ids = list(paper_ids)
        unknown = sorted(set(self.overrides) - set(ids), key=lambda pid: self.override_lines.get(pid, 0))
        if unknown:
            for pid in unknown:
                found.append(
                    Warning_(
                        self.overrides_path,
                        self.override_lines.get(pid),
                        f"override for {pid!r} names no known paper",
                        _closest(pid, ids),
                    )
                )
        return found


def _closest(paper_id: str, ids: list[str]) -> str:
    from rapidfuzz import fuzz, process

    match = process.extractOne(paper_id, ids, scorer=fuzz.ratio, score_cutoff=80)
    if match is None:
        return "check the id in data/papers.json (or `digest themes explain <title words>`)"
    return f"did you mean {match[0]!r}?"


class _TolerantLoader(yaml.SafeLoader):
    """Safe YAML that reads MkDocs' `!!python/name:` and `!ENV` tags as plain values."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TolerantLoader.add_multi_constructor("", _ignore_tag)


def parse_site_config(text: str, path: str = "mkdocs.yml") -> SiteConfig:
    try:
        data = yaml.load(text, Loader=_TolerantLoader)
    except yaml.YAMLError as exc:
        line = exc.problem_mark.line + 1 if getattr(exc, "problem_mark", None) else None  # type: ignore[attr-defined]
        raise ConfigError(Problem(path, line, f"not valid YAML: {exc}", "fix the YAML syntax")) from None
    if not isinstance(data, dict):
        raise ConfigError(Problem(path, None, "not a mapping", "see the README for mkdocs.yml"))
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key in ("site_name", "site_url", "site_description", "repo_url"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(path, None, "must be a non-empty string", "set it or remove it", key=key))
        else:
            values[key] = value.strip()
    if "site_url" not in values and not any(p.key == "site_url" for p in problems):
        problems.append(
            Problem(path, None, "missing: feed links and GUIDs are built from it", _SITE_URL_TODO, key="site_url")
        )
    elif "site_url" in values and not values["site_url"].startswith(("http://", "https://")):
        problems.append(
            Problem(
                path, None, "must be an absolute http(s) URL", "set it to where the site is published", key="site_url"
            )
        )
    elif "site_url" in values and not values["site_url"].endswith("/"):
        values["site_url"] += "/"
    theme = data.get("theme")
    if isinstance(theme, dict) and isinstance(theme.get("language"), str):
        values["language"] = theme["language"]
    extra = data.get("extra") or {}
    digest = extra.get("digest") if isinstance(extra, dict) else None
    if digest is not None:
        if not isinstance(digest, dict):
            problems.append(Problem(path, None, "must be a mapping", "see the README", key="extra.digest"))
            digest = {}
        for key, value in digest.items():
            if key not in _DIGEST_OPTIONS:
                known = ", ".join(sorted(_DIGEST_OPTIONS))
                problems.append(
                    Problem(path, None, "unknown option", f"use one of: {known}", key=f"extra.digest.{key}")
                )
                continue
            _kind, _default, rule = _DIGEST_OPTIONS[key]
            low, high = _LIMITS[key]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                problems.append(Problem(path, None, f"got {value!r}", f"make it {rule}", key=f"extra.digest.{key}"))
            else:
                values[key] = value
    if problems:
        raise ConfigError(problems)
    return SiteConfig(**values)


def parse_config(
    mkdocs_text: str,
    themes_text: str,
    overrides_text: str | None,
    *,
    mkdocs_path: str = "mkdocs.yml",
    themes_path: str = "themes.yml",
    overrides_path: str = "overrides.yml",
    labels_text: str | None = None,
    labels_path: str = "themes-labels.jsonl",
    examples_text: str | None = None,
    examples_path: str = "themes-examples.jsonl",
) -> Config:
    """All the files -> one Config; problems in any of them are reported together. The
    labelled papers and written examples (if any) ride on the theme config, whose fingerprint
    they join."""
    problems: list[Problem] = []
    site = themes = None
    try:
        site = parse_site_config(mkdocs_text, mkdocs_path)
    except ConfigError as exc:
        problems.extend(exc.problems)
    try:
        themes = parse_theme_config(themes_text, themes_path)
    except ConfigError as exc:
        problems.extend(exc.problems)
    overrides: dict[str, tuple[str, ...]] = {}
    lines: dict[str, int] = {}
    if themes is not None and overrides_text is not None:
        lines = _key_lines(overrides_text)
        try:
            overrides = parse_overrides(overrides_text, overrides_path, themes)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if themes is not None and (labels_text is not None or examples_text is not None):
        labels: tuple = ()
        written: tuple = ()
        try:
            labels = parse_labels(labels_text or "", labels_path, themes)
        except ConfigError as exc:
            problems.extend(exc.problems)
        try:
            written = written_examples(examples_text or "", examples_path, themes)
        except ConfigError as exc:
            problems.extend(exc.problems)
        themes = with_labels(themes, labels, written)
    if problems or site is None or themes is None:
        raise ConfigError(problems)
    return Config(site, themes, overrides, mkdocs_path, overrides_path, lines)


def _key_lines(text: str) -> dict[str, int]:
    """The line of each top-level key of a YAML mapping ({} when it is not one)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(root, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in root.value if isinstance(key, yaml.ScalarNode)}
