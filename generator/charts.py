"""Static SVG charts for the stats and theme pages, drawn at build time: no JavaScript, no CDN. Pure.

Made to be read on a phone: the drawing is WIDTH units wide with FONT-unit text, and the page
shows it at most MAX_WIDTH_REM wide (docs/stylesheets/digest.css), so on a 390 px wide phone
(358 px of content) text renders at 11.3 px and never smaller. Time runs on a real axis: a day
or month with no papers is a gap, not a missing bar. Colours: the Okabe-Ito palette, which
readers with any common colour-vision deficiency can tell apart, for the seven biggest themes;
the rest share one grey. Single-series bars and all text take their colour from the page
(CSS classes), so they follow the light and dark palettes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from .models import Day, ThemeView

WIDTH = 380.0
FONT = 12.0
# Okabe & Ito (2008), "Color Universal Design": black left out (the dark palette), yellow last.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHER_COLOUR = "#999999"
# A time axis longer than this many days counts per month.
MAX_DAYS = 120
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LEFT, _RIGHT, _TOP = 44.0, 6.0, 8.0


def colour(index: int) -> str:
    return PALETTE[index] if index < len(PALETTE) else OTHER_COLOUR


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _nice_step(peak: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20, 50...) giving at most `ticks` steps up to `peak`."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if peak / (step * factor) <= ticks:
                return step * factor
        step *= 10


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of_index(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


class _TimeAxis:
    """Buckets (days, or months on a long axis) placed by their real date, gaps included."""

    def __init__(self, first: date, last: date, by_month: bool) -> None:
        self.by_month = by_month
        if by_month:
            self.start, self.count = _month_index(first), _month_index(last) - _month_index(first) + 1
        else:
            self.start, self.count = first.toordinal(), last.toordinal() - first.toordinal() + 1
        self.plot = WIDTH - _LEFT - _RIGHT

    def slot(self, day: date) -> int:
        return (_month_index(day) if self.by_month else day.toordinal()) - self.start

    def x(self, slot: float) -> float:
        return _LEFT + self.plot * slot / self.count

    @property
    def bar_width(self) -> float:
        return max(self.plot / self.count - (1.0 if self.plot / self.count > 3 else 0.0), 0.8)

    def label(self, slot: int) -> str:
        if self.by_month:
            month = _month_of_index(self.start + slot)
            return f"{_MONTHS[month.month - 1]} {month.year}"
        day = date.fromordinal(self.start + slot)
        return f"{day.day} {_MONTHS[day.month - 1]}"

    def ticks(self) -> list[int]:
        """Slots to label, at round steps, at most four (each label is about 50 units wide)."""
        steps = (1, 2, 3, 6, 12, 24, 60) if self.by_month else (1, 2, 7, 14, 28, 56)
        step = next((s for s in steps if self.count / s <= 4), steps[-1])
        # Months: on those the step divides (Jan, Apr, Jul, Oct for 3); days: from the first.
        first = next(s for s in range(step) if (self.start + s) % step == 0) if self.by_month else 0
        return list(range(first, self.count, step))


def _axes(axis: _TimeAxis, peak: int, height: float, y_title: str, x_title: str) -> list[str]:
    """Grid lines, tick labels and axis titles around a plot `height` tall."""
    bottom = _TOP + height
    step = _nice_step(peak)
    top_value = _top_value(peak)
    parts = []
    for value in range(0, top_value + 1, step):
        y = bottom - height * value / top_value
        parts.append(
            f'<line class="digest-grid" x1="{_num(_LEFT)}" y1="{_num(y)}" x2="{_num(WIDTH - _RIGHT)}" y2="{_num(y)}"/>'
            f'<text x="{_num(_LEFT - 4)}" y="{_num(y + FONT / 3)}" text-anchor="end">{value}</text>'
        )
    for slot in axis.ticks():
        x = axis.x(slot + 0.5)
        anchor = "start" if slot == 0 and axis.count > 1 else "middle"
        x_text = axis.x(slot) if anchor == "start" else x
        parts.append(
            f'<line class="digest-axis" x1="{_num(x)}" y1="{_num(bottom)}" x2="{_num(x)}" y2="{_num(bottom + 4)}"/>'
            f'<text x="{_num(x_text)}" y="{_num(bottom + 4 + FONT)}" text-anchor="{anchor}">{axis.label(slot)}</text>'
        )
    parts.append(
        f'<line class="digest-axis" x1="{_num(_LEFT)}" y1="{_num(bottom)}" x2="{_num(WIDTH - _RIGHT)}" '
        f'y2="{_num(bottom)}"/>'
        f'<text x="{_num(_LEFT + axis.plot / 2)}" y="{_num(bottom + 8 + 2 * FONT)}" text-anchor="middle">'
        f"{escape(x_title)}</text>"
        f'<text transform="translate({_num(FONT)} {_num(_TOP + height / 2)}) rotate(-90)" text-anchor="middle">'
        f"{escape(y_title)}</text>"
    )
    return parts


def _top_value(peak: int) -> int:
    step = _nice_step(peak)
    return max(step * -(-peak // step), step)


def _svg(chart_id: str, height: float, title: str, description: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="digest-chart" viewBox="0 0 {_num(WIDTH)} {_num(height)}" '
        f'font-size="{_num(FONT)}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _legend(names: Sequence[str], y: float) -> tuple[list[str], float]:
    """Legend entries (a swatch and a name), wrapped into rows; and the y of its bottom edge."""
    parts = []
    x, row = 0.0, 0
    for i, name in enumerate(names):
        width = 20 + 0.6 * FONT * len(name)
        if x and x + width > WIDTH:
            x, row = 0.0, row + 1
        ty = y + row * (FONT + 6)
        parts.append(
            f'<rect x="{_num(x)}" y="{_num(ty)}" width="{_num(FONT)}" height="{_num(FONT)}" fill="{colour(i)}"/>'
            f'<text x="{_num(x + FONT + 4)}" y="{_num(ty + FONT - 2)}">{escape(name)}</text>'
        )
        x += width
    return parts, y + (row + 1) * (FONT + 6)


def stacked_bars(days: Sequence[Day], themes: Sequence[ThemeView]) -> str:
    """New papers per day (per month when the days span more than MAX_DAYS), stacked by primary
    theme: the seven themes with the most papers in colour, the remaining ones together in grey."""
    if not days:
        empty = ['<text x="0" y="20">No papers yet.</text>']
        return _svg("chart-days", 30, "New papers over time", "No papers yet.", empty)
    totals: dict[str, int] = {}
    for day in days:
        for paper in day.new:
            theme_id = paper.themes[0] if paper.themes else "other"
            totals[theme_id] = totals.get(theme_id, 0) + 1
    names = {t.id: t.name for t in themes}
    order = {t.id: n for n, t in enumerate(themes)}
    top = sorted(totals, key=lambda t: (-totals[t], order.get(t, len(order)), t))[: len(PALETTE)]
    series = top + (["*"] if len(totals) > len(top) else [])
    index = {t: n for n, t in enumerate(top)}
    axis = _TimeAxis(days[0].day, days[-1].day, (days[-1].day - days[0].day).days >= MAX_DAYS)
    buckets: dict[int, list[int]] = {}
    for day in days:
        counts = buckets.setdefault(axis.slot(day.day), [0] * len(series))
        for paper in day.new:
            theme_id = paper.themes[0] if paper.themes else "other"
            counts[index.get(theme_id, len(series) - 1)] += 1
    height = 150.0
    peak = max((sum(c) for c in buckets.values()), default=0) or 1
    top_value = _top_value(peak)
    unit = "month" if axis.by_month else "day"
    body = _axes(axis, peak, height, "New papers", f"{unit.capitalize()} first seen")
    labels = [names.get(t, "Other") for t in top] + (["Remaining themes"] if "*" in series else [])
    for slot, counts in sorted(buckets.items()):
        x = axis.x(slot) + (0.5 if axis.bar_width > 2 else 0.0)
        y = _TOP + height
        for i, count in enumerate(counts):
            if not count:
                continue
            h = height * count / top_value
            y -= h
            body.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(axis.bar_width)}" height="{_num(h)}" '
                f'fill="{colour(i)}"><title>{axis.label(slot)}: {count} {escape(labels[i])}</title></rect>'
            )
    legend, bottom = _legend(labels, _TOP + height + 16 + 2 * FONT)
    body.extend(legend)
    total = sum(sum(c) for c in buckets.values())
    description = (
        f"{total} new papers from {days[0].day.isoformat()} to {days[-1].day.isoformat()}, per {unit}; "
        f"at most {peak} in one {unit}."
    )
    return _svg("chart-days", bottom + 2, f"New papers per {unit}, by primary theme", description, body)


def month_bars(months: Sequence[tuple[date, Sequence[object]]], chart_id: str) -> str:
    """A theme's papers per month (`months`: (first of month, papers), any order), one colour
    from the page's palette, on a real month axis."""
    if not months:
        return ""
    counts = {month: len(papers) for month, papers in months}
    axis = _TimeAxis(min(counts), max(counts), True)
    height = 70.0
    peak = max(counts.values()) or 1
    top_value = _top_value(peak)
    body = _axes(axis, peak, height, "Papers", "Month first seen")
    for month, count in sorted(counts.items()):
        h = height * count / top_value
        x = axis.x(axis.slot(month)) + (0.5 if axis.bar_width > 2 else 0.0)
        body.append(
            f'<rect class="digest-bar" x="{_num(x)}" y="{_num(_TOP + height - h)}" width="{_num(axis.bar_width)}" '
            f'height="{_num(h)}"><title>{axis.label(axis.slot(month))}: {count}</title></rect>'
        )
    first, last = min(counts), max(counts)
    description = (
        f"{sum(counts.values())} papers from {_MONTHS[first.month - 1]} {first.year} to "
        f"{_MONTHS[last.month - 1]} {last.year}; at most {peak} in one month."
    )
    return _svg(chart_id, _TOP + height + 12 + 2 * FONT, "Papers per month", description, body)


def share_bars(themes: Sequence[ThemeView], total: int) -> str:
    """Each theme's share of all papers (a paper counts for each of its themes): the theme's
    name above its bar, the count and share beside it."""
    row_h = FONT * 2 + 12
    height = row_h * len(themes) + 4
    peak = max((len(t.papers) for t in themes), default=0) or 1
    label_room = 0.6 * FONT * len(f"{peak} (100.0%)") + 6
    body = []
    for i, theme in enumerate(themes):
        count = len(theme.papers)
        share = 100.0 * count / total if total else 0.0
        y = i * row_h + 2
        bar = (WIDTH - label_room) * count / peak
        body.append(
            f'<text x="0" y="{_num(y + FONT)}">{escape(theme.name)}</text>'
            f'<rect class="digest-bar" x="0" y="{_num(y + FONT + 4)}" width="{_num(bar)}" height="{_num(FONT)}"/>'
            f'<text x="{_num(bar + 4)}" y="{_num(y + 2 * FONT + 2)}">{count} ({share:.1f}%)</text>'
        )
    description = f"{total} papers over {len(themes)} themes; a paper counts once for each of its themes."
    return _svg("chart-share", height, "Share of papers per theme", description, body)
