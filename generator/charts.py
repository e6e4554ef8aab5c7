"""Static SVG charts for the stats page, drawn at build time: no JavaScript, no CDN. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .render import Day

# One colour per theme, by taxonomy position; readable on light and dark backgrounds.
PALETTE = (
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
    "#ff9da7", "#9c755f", "#8cd17d", "#86bcb6", "#d37295", "#a0cbe8", "#bab0ac",
)  # fmt: skip
# More bars than this and the chart groups days by month.
MAX_BARS = 90


class _ThemeLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def papers(self) -> tuple[object, ...]: ...


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _legend(themes: Sequence[_ThemeLike], y: float) -> tuple[list[str], float]:
    """Legend entries, wrapped into rows, and the y of its bottom edge."""
    parts = []
    x = 0.0
    row = 0
    for i, theme in enumerate(themes):
        width = 18 + 7 * len(theme.name)
        if x + width > 760:
            x, row = 0.0, row + 1
        ty = y + row * 18
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(ty)}" width="12" height="12" fill="{colour(i)}"/>'
            f'<text x="{_num(x + 16)}" y="{_num(ty + 10)}">{escape(theme.name)}</text>'
        )
        x += width
    return parts, y + (row + 1) * 18


def stacked_bars(days: Sequence[Day], themes: Sequence[_ThemeLike]) -> str:
    """New papers per day (or per month when there are many days), stacked by primary theme."""
    index = {t.id: i for i, t in enumerate(themes)}
    buckets: dict[date, list[int]] = {}
    by_month = len(days) > MAX_BARS
    for day in days:
        key = day.day.replace(day=1) if by_month else day.day
        counts = buckets.setdefault(key, [0] * len(themes))
        for paper in day.new:
            theme_id = paper.themes[0] if paper.themes else "other"  # type: ignore[attr-defined]
            counts[index.get(theme_id, len(themes) - 1)] += 1
    width, height, left, top = 760.0, 220.0, 36.0, 10.0
    peak = max((sum(c) for c in buckets.values()), default=0) or 1
    bar_w = (width - left) / max(len(buckets), 1)
    unit = "month" if by_month else "day"
    legend, bottom = _legend(themes, top + height + 26)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="digest-chart" viewBox="0 0 {_num(width)} {_num(bottom)}" '
        f'role="img" aria-labelledby="chart-days-title">',
        f'<title id="chart-days-title">New papers per {unit}, by primary theme</title>',
        f'<text x="0" y="{_num(top + 8)}">{peak}</text>',
        f'<line x1="{_num(left)}" y1="{_num(top + height)}" x2="{_num(width)}" y2="{_num(top + height)}" '
        'stroke="currentColor" stroke-width="0.5"/>',
    ]
    for n, (key, counts) in enumerate(sorted(buckets.items())):
        x = left + n * bar_w
        y = top + height
        label = key.strftime("%Y-%m") if by_month else key.isoformat()
        for i, count in enumerate(counts):
            if not count:
                continue
            h = height * count / peak
            y -= h
            parts.append(
                f'<rect x="{_num(x + 0.5)}" y="{_num(y)}" width="{_num(max(bar_w - 1, 0.5))}" '
                f'height="{_num(h)}" fill="{colour(i)}"><title>{label}: {count} '
                f"{escape(themes[i].name)}</title></rect>"
            )
    if buckets:
        first, last = min(buckets), max(buckets)
        fmt = "%Y-%m" if by_month else "%Y-%m-%d"
        parts.append(f'<text x="{_num(left)}" y="{_num(top + height + 14)}">{first.strftime(fmt)}</text>')
        parts.append(
            f'<text x="{_num(width)}" y="{_num(top + height + 14)}" text-anchor="end">{last.strftime(fmt)}</text>'
        )
    parts.extend(legend)
    parts.append("</svg>")
    return "".join(parts)


def share_bars(themes: Sequence[_ThemeLike], total: int) -> str:
    """Each theme's share of all papers (a paper counts for each of its themes)."""
    row_h, width, label_w = 22.0, 760.0, 250.0
    height = row_h * len(themes) + 4
    peak = max((len(t.papers) for t in themes), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="digest-chart" viewBox="0 0 {_num(width)} {_num(height)}" '
        'role="img" aria-labelledby="chart-share-title">',
        '<title id="chart-share-title">Share of papers per theme</title>',
    ]
    for i, theme in enumerate(themes):
        count = len(theme.papers)
        share = 100.0 * count / total if total else 0.0
        y = i * row_h + 2
        bar = (width - label_w - 110) * count / peak
        parts.append(
            f'<text x="0" y="{_num(y + 14)}">{escape(theme.name)}</text>'
            f'<rect x="{_num(label_w)}" y="{_num(y + 3)}" width="{_num(bar)}" height="14" fill="{colour(i)}"/>'
            f'<text x="{_num(label_w + bar + 6)}" y="{_num(y + 14)}">{count} ({share:.1f}%)</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
