"""Configuration: the site settings in mkdocs.yml (plus `extra.digest`), themes and overrides.

Pure: texts in, a validated, typed `Config` out. Every problem is reported at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import ConfigError, Problem
from .theme_model import parse_labels, with_labels
from .themes import ThemeConfig, parse_overrides, parse_theme_config


@dataclass(frozen=True)
class SiteConfig:
    """What pages and feeds need to know about the site."""

    site_name: str = "Paper digest"
    site_url: str = "https://example.org/"
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


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    themes: ThemeConfig
    overrides: dict[str, tuple[str, ...]] = field(default_factory=dict)


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
    if "site_url" in values and not values["site_url"].startswith(("http://", "https://")):
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
) -> Config:
    """All four files -> one Config; problems in any of them are reported together. The
    labelled papers (if any) ride on the theme config, whose fingerprint they join."""
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
    if themes is not None and overrides_text is not None:
        try:
            overrides = parse_overrides(overrides_text, overrides_path, themes)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if themes is not None and labels_text is not None:
        try:
            themes = with_labels(themes, parse_labels(labels_text, labels_path, themes))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems or site is None or themes is None:
        raise ConfigError(problems)
    return Config(site, themes, overrides)
