"""Papers -> Markdown pages through Jinja2 templates. Pure: data in, {path: bytes} out.

Everything that comes from a dump is text. Paper blocks are raw HTML (Markdown never looks inside
them) with every value HTML-escaped by Jinja's autoescape; dump text that lands in Markdown
context (link texts on theme pages) goes through the `md` filter, which also turns Markdown and
attribute-list syntax into character references.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, quote_plus

import jinja2
from markupsafe import Markup

from .charts import month_bars, share_bars, stacked_bars
from .config import SiteConfig
from .models import Brief, Day, Paper, ThemeView
from .processes import map_forked
from .text import display, opening
from .themes import ThemeConfig

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Characters that mean something to Markdown (inline), tables or attr_list, written as references.
# Dump text only ever lands mid-line (link texts, table cells), so line-start syntax ("- ", "1. ",
# "> ") cannot trigger; fewer references also keep Markdown's inline pass fast.
_MD_SPECIAL = {ord(c): f"&#{ord(c)};" for c in "\\`*_{}[]()<>&|!#"}
NBSP = "\u00a0"
# The finished HTML this module writes into Markdown pages, which Markdown must not touch: a
# day's papers in one theme (templates/day.md.j2) and a list of papers (paper_list). The MkDocs
# hook sets them aside and search indexes the sections. Matched line by line: ten times faster
# than `.*?` with DOTALL on a 100 KB page.
RAW_BLOCK = re.compile(r'^<(section|ul) class="digest-(?:papers|list)"[^\n]*>\n(?:[^\n]*\n)*?</\1>$', re.M)
# A theme page lists at most this many papers; older months move to month pages.
THEME_PAGE_PAPERS = 200


def md_text(value: object) -> Markup:
    """Dump text for Markdown context: shows literally, never changes the page structure."""
    return Markup(" ".join(str(value).split()).translate(_MD_SPECIAL))


def long_date(value: date) -> str:
    """Locale-independent "10 June 2026"."""
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def month_label(value: date) -> str:
    """ "June 2026"."""
    return f"{month_name(value)} {value.year}"


def month_name(value: date) -> str:
    """ "June"."""
    return MONTH_NAMES[value.month - 1]


def meta_line(paper: Paper) -> str:
    """ "4 authors · published 12 May 2026 · 2 upvotes" (only the parts that are known)."""
    parts = []
    if paper.authors_count is not None:
        parts.append(f"{paper.authors_count} author{'s' if paper.authors_count != 1 else ''}")
    if paper.organization:
        parts.append(paper.organization)
    if paper.published:
        parts.append(f"published {long_date(paper.published)}")
    if paper.upvotes is not None:
        parts.append(f"{paper.upvotes} upvote{'s' if paper.upvotes != 1 else ''}")
    return " · ".join(parts)


def lookup_links(title: str) -> list[tuple[str, str]]:
    """(label, URL) of searches for a title on arXiv, Hugging Face and Semantic Scholar."""
    q = quote_plus(title)
    return [
        ("arXiv", f"https://arxiv.org/search/?query={q}&searchtype=title"),
        ("Hugging Face", f"https://huggingface.co/papers?q={q}"),
        ("Semantic Scholar", f"https://www.semanticscholar.org/search?q={q}"),
    ]


def _escape(text: str) -> str:
    """HTML-escape exactly as markupsafe does (same bytes), without a Markup object per value."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;").replace("'", "&#39;")
    )


# A day page lists the papers at these many listing positions; a busier day continues on
# days/<day>/2.md and so on. By listing position, which never changes once the day is built, so a
# paper's page (and every link to it) stays put when it is seen again or its upvotes change.
DAY_PART_POSITIONS = 60


def day_part(position: int) -> int:
    """The part of its first day's page a paper is on (1 = the day's own page)."""
    return (max(position, 1) - 1) // DAY_PART_POSITIONS + 1


def day_path(day: date, part: int = 1) -> str:
    """A day page's Markdown file: days/2026-11-19.md, its continuation days/2026-11-19/2.md."""
    return f"days/{day.isoformat()}.md" if part == 1 else f"days/{day.isoformat()}/{part}.md"


def _position(paper: Brief | Paper) -> int:
    if isinstance(paper, Brief):
        return paper.position
    return paper.sightings[0].position if paper.sightings else 0


def paper_path(paper: Brief | Paper) -> str:
    """The page a paper is on as new, with its anchor: "days/2026-11-19/2.md#some-paper-1a2b3c4d"."""
    return f"{day_path(paper.first_seen, day_part(_position(paper)))}#{paper.id}"


def paper_url(paper: Brief | Paper) -> str:
    """The site URL, below the site's root, of a paper's anchor: "days/2026-11-19/2/#id"."""
    part = day_part(_position(paper))
    page = f"days/{paper.first_seen.isoformat()}/" + (f"{part}/" if part > 1 else "")
    return f"{page}#{quote(paper.id, safe='')}"


def reading_order(paper: Paper) -> tuple[bool, int, int]:
    """Within a theme: upvotes where known (most first), then the place in the listing."""
    return (paper.upvotes is None, -(paper.upvotes or 0), _position(paper))


def paper_block(paper: Paper, theme_names: dict[str, str], up: str) -> Markup:
    """One paper on its day page: raw HTML that Markdown leaves alone, every value escaped.

    Title (with a permalink), meta line, theme chips, the opening of the abstract with the rest
    one click away in a <details> (no script needed; find-in-page opens it), look-up links. The
    data-* attributes are what the page's script filters and sorts by.

    Written in Python rather than as a template macro: it runs once per paper, tens of thousands
    of times in a large archive, and this is several times faster than a Jinja macro. Links name
    the target's Markdown file (`up` leads from the page's folder to the docs folder); the MkDocs
    hook turns them into the site's URLs, as MkDocs does for Markdown links."""
    pid = _escape(paper.id)
    upvotes = f' data-upvotes="{paper.upvotes}"' if paper.upvotes is not None else ""
    lines = [
        f'<div class="digest-paper" data-themes="{_escape(" ".join(paper.themes))}"'
        f' data-order="{_position(paper)}"{upvotes}>',
        f'<h3 id="{pid}">{_escape(display(paper.title))}<a class="headerlink" href="#{pid}" '
        f'title="Link to this paper">¶</a></h3>',
    ]
    meta = meta_line(paper)
    if meta:
        lines.append(f'<p class="digest-meta">{_escape(meta)}</p>')
    tags = " ".join(
        f'<a class="digest-tag{" digest-tag--primary" if i == 0 else ""}" href="{up}themes/{_escape(t)}/index.md">'
        f"{_escape(theme_names.get(t, t))}</a>"
        for i, t in enumerate(paper.themes)
    )
    lines.append(f'<p class="digest-tags">{tags}</p>')
    first, rest = opening(paper.abstract)
    if rest:
        lines.append(
            f'<details class="digest-abstract"><summary>{_escape(first)}</summary><p>{_escape(rest)}</p></details>'
        )
    else:
        lines.append(f'<p class="digest-abstract">{_escape(first)}</p>')
    lookups = " · ".join(
        f'<a href="{_escape(url)}" rel="noopener">{label}</a>' for label, url in lookup_links(paper.title)
    )
    lines.append(f'<p class="digest-lookup">Look up: {lookups}</p>')
    lines.append("</div>")
    return Markup("\n".join(lines))


def paper_list(
    papers: Sequence[Paper | Brief],
    up: str,
    before_date: str = "",
    openings: bool = False,
    dated: bool = True,
    themed: bool = False,
) -> Markup:
    """Links to papers' anchors on their day pages, each with its first day (unless not
    `dated`) and, with `openings`, the opening of its abstract: raw HTML, like the paper blocks
    (theme pages list thousands; Markdown's inline pass over them was most of a large build).
    `before_date` is literal text, e.g. "first seen ". With `themed`, each item carries its
    themes (data-themes), for the day page's theme filter."""
    lines = [f'<ul class="digest-list"{" data-openings" if openings else ""} markdown="0">']
    for p in papers:
        lead = ""
        if openings:
            text = p.opening if isinstance(p, Brief) else opening(p.abstract)[0]
            lead = f'<span class="digest-opening">{_escape(text)}</span>'
        when = f" <small>{before_date}{long_date(p.first_seen).replace(' ', NBSP)}</small>" if dated else ""
        themes = f' data-themes="{_escape(" ".join(p.themes))}"' if themed else ""
        lines.append(
            f'<li{themes}><a href="{up}{_escape(paper_path(p))}">{_escape(display(p.title))}</a>{when}{lead}</li>'
        )
    lines.append("</ul>")
    return Markup("\n".join(lines))


_FIRST_SEEN = operator.attrgetter("first_seen")
_ID = operator.attrgetter("id")


def build_days(briefs: Sequence[Brief]) -> list[Day]:
    """Every day with a sighting, oldest first, with its new and seen-again papers. `briefs` come
    newest first, then by id: each day's lists come out sorted by id."""
    new = {day: list(group) for day, group in itertools.groupby(briefs, _FIRST_SEEN)}
    again: dict[date, list[Brief]] = defaultdict(list)
    for brief in [b for b in briefs if len(b.days_seen) > 1]:
        for d in brief.days_seen[1:]:  # the first is first_seen
            again[d].append(brief)
    return [Day(d, tuple(new.get(d, ())), tuple(sorted(again[d], key=_ID))) for d in sorted(new.keys() | again.keys())]


def day_parts(day: Day) -> list[int]:
    """The parts of a day's page that hold papers (part 1 always: the day's own page)."""
    return sorted({1} | {day_part(b.position) for b in day.new})


def _environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,  # every {{ }} is HTML-escaped unless marked safe
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        md=md_text,
        long_date=long_date,
        nowrap=lambda s: str(s).replace(" ", NBSP),  # a date in a list or table stays on one line
        month_label=month_label,
        month_name=month_name,
        meta=meta_line,
        display=display,
        paper_path=paper_path,
        lookup=lookup_links,
        yamlstr=lambda s: Markup(json.dumps(" ".join(str(s).split()), ensure_ascii=False)),
    )
    env.globals["paper_block"] = paper_block
    env.globals["paper_list"] = paper_list
    return env


def _theme_views(briefs: Sequence[Brief], themes: ThemeConfig) -> list[ThemeView]:
    """Each theme's papers, newest first, then by id (the order of `briefs`), and by month."""
    by_theme: dict[str, list[Brief]] = {theme.id: [] for theme in themes.themes}
    for brief in briefs:
        for theme_id in brief.themes:
            members = by_theme.get(theme_id)
            if members is not None:
                members.append(brief)
    views = []
    for theme in themes.themes:
        members = by_theme[theme.id]
        months: list[tuple[date, list[Brief]]] = []
        for day, group in itertools.groupby(members, _FIRST_SEEN):  # by day, then days by month
            month = _first_of_month(day)
            if not months or months[-1][0] != month:
                months.append((month, []))
            months[-1][1].extend(group)
        views.append(
            ThemeView(
                theme.id,
                theme.name,
                theme.description,
                tuple(members),
                tuple((month, tuple(ps)) for month, ps in months),
                len(members) > THEME_PAGE_PAPERS,
            )
        )
    return views


@functools.cache
def _first_of_month(day: date) -> date:
    return day.replace(day=1)


@dataclass
class PageCache:
    """Which pages need no rendering: the day and theme-month pages (nearly all of a large
    archive) get a key, a hash of everything they show (each paper by its digest); a page whose
    key is the one the file on disk was written with is not rendered again (`kept`)."""

    salt: str  # the code and configuration the keys are valid for (templates are added here)
    digests: Mapping[str, bytes]  # paper id -> digest of every field
    known: Mapping[str, str]  # path -> key of the file that is on disk now
    keys: dict[str, str] = field(default_factory=dict)  # path -> key, of every keyed page
    kept: set[str] = field(default_factory=set)
    # The keys of the last build's pages that show nothing that changed since (see
    # `pages_showing`), valid while the salt is the same: they are not computed again.
    reuse: Mapping[str, str] = field(default_factory=dict)
    reuse_salt: str = ""

    def fresh(self, path: str, *parts: object, papers: Iterable[Brief] = (), group: str = "") -> bool:
        """Record the page's key; whether it must be rendered. A page of a `group` (the parts
        of a day's page, keyed by the day's page) reuses its key only while the group's is."""
        key = self.reuse.get(path) if not group or group in self.reuse else None
        if key is None:
            digest = hashlib.blake2b(f"{self.salt}\0{path}\0{parts!r}".encode(), digest_size=16)
            digest.update(b"".join(map(self.digests.__getitem__, map(_ID, papers))))
            key = digest.hexdigest()
        self.keys[path] = key
        if self.known.get(path) == key:
            self.kept.add(path)
            return False
        return True


def theme_month_path(theme_id: str, month: date) -> str:
    return f"themes/{theme_id}/{month:%Y-%m}.md"


def pages_showing(papers: Iterable[Brief], days: Iterable[date]) -> set[str]:
    """The keyed pages whose key may change when `papers` change (or come or go) and `days` get
    new sightings or neighbours: every day page a paper is on, each of its themes' month pages
    (the paper as it was and as it is, for themes it leaves and joins), and the days' pages.
    A day's page stands for all its parts (PageCache.fresh's `group`)."""
    paths = {day_path(day) for day in days}
    for paper in papers:
        paths.update(map(day_path, paper.days_seen))
        month = _first_of_month(paper.first_seen)
        paths.update(theme_month_path(theme_id, month) for theme_id in paper.themes)
    return paths


def render_site(
    briefs: Sequence[Brief],
    full: Callable[[Sequence[Brief]], list[Paper]],
    themes: ThemeConfig,
    site: SiteConfig,
    feeds: Sequence[tuple[str, str, str]],
    loader: jinja2.BaseLoader,
    cache: PageCache | None = None,
) -> dict[str, bytes]:
    """All generated Markdown pages, keyed by their path below the docs folder (with a cache:
    all but the pages it keeps). `briefs` are every paper's, newest first, then by id; `full`
    gives papers in full, for the day pages that show them."""
    env = _environment(loader)
    if cache is not None:
        templates = sorted(env.list_templates())
        sources = [(name, env.loader.get_source(env, name)[0]) for name in templates if env.loader]
        cache.salt = hashlib.sha256(f"{cache.salt}\0{site!r}\0{themes!r}\0{sources!r}".encode()).hexdigest()
        if cache.salt != cache.reuse_salt:
            cache.reuse = {}
    days = build_days(briefs)
    theme_views = _theme_views(briefs, themes)
    theme_names = {t.id: t.name for t in themes.themes}
    common = {
        "site": site,
        "theme_names": theme_names,
        "themes": theme_views,
        "feeds": feeds,
        "total_papers": len(briefs),
        "total_days": len(days),
    }
    out = _EncodingDict()  # pages are stored as UTF-8 bytes as soon as they are rendered
    jobs: list[tuple[int, tuple[int, ...]]] = []  # (day, its parts to render)
    for i, day in enumerate(days):
        previous = days[i - 1].day if i > 0 else None
        following = days[i + 1].day if i + 1 < len(days) else None
        parts = day_parts(day)
        to_render = [
            part
            for part in parts
            if not cache
            or cache.fresh(
                day_path(day.day, part),
                day.day,
                previous,
                following,
                parts,
                papers=(*day.new, *day.seen_again),
                group=day_path(day.day),
            )
        ]
        if to_render:
            jobs.append((i, tuple(to_render)))
    # The day pages, most of a large build's rendering, on every core.
    for chunk in map_forked(_day_pages, (env, common, days, full), jobs, min_items=DAY_PAGES_PARALLEL):
        for path, page in chunk:
            out[path] = page
    for view in theme_views:
        shown = view.months
        chart = Markup(month_bars(view.months, f"chart-{view.id}"))
        if view.month_pages:
            shown, count = (), 0
            for month, ps in view.months:
                if count and count + len(ps) > THEME_PAGE_PAPERS:
                    break
                shown += ((month, ps),)
                count += len(ps)
            for month, ps in view.months:
                path = theme_month_path(view.id, month)
                if cache and not cache.fresh(path, view.id, month, papers=ps):
                    continue
                out[path] = env.get_template("theme_month.md.j2").render(common, theme=view, month=month, papers=ps)
        out[f"themes/{view.id}/index.md"] = env.get_template("theme.md.j2").render(
            common, theme=view, shown=shown, chart=chart
        )
    out["themes/index.md"] = env.get_template("themes.md.j2").render(common)
    # The archive page lists the latest year's days; every year has a page of its own, so no
    # page grows without bound.
    years: dict[int, dict[date, list[Day]]] = defaultdict(lambda: defaultdict(list))
    for day in days:
        years[day.day.year][day.day.replace(day=1)].append(day)
    by_year = [
        (year, sorted(((m, ds[::-1]) for m, ds in months.items()), reverse=True))
        for year, months in sorted(years.items(), reverse=True)
    ]
    for i, (year, months) in enumerate(by_year):  # newest year first
        out[f"archive/{year}.md"] = env.get_template("archive_year.md.j2").render(
            common,
            year=year,
            months=months,
            newer=by_year[i - 1][0] if i > 0 else None,
            older=by_year[i + 1][0] if i + 1 < len(by_year) else None,
        )
    year_counts = [
        (year, sum(len(ds) for _, ds in months), sum(len(d.new) for _, ds in months for d in ds))
        for year, months in by_year
    ]
    out["archive.md"] = env.get_template("archive.md.j2").render(common, years=by_year, year_counts=year_counts)
    recent = days[::-1][: site.home_days]
    out["index.md"] = env.get_template("home.md.j2").render(
        common,
        latest=recent[0] if recent else None,
        latest_top=_top_by_theme(recent[0], full, theme_views) if recent else [],
        recent=[(d, sorted(full(d.new), key=reading_order)[:HOME_DAY_PAPERS]) for d in recent[1:]],
    )
    out["stats.md"] = env.get_template("stats.md.j2").render(
        common,
        per_day_chart=Markup(stacked_bars(days, theme_views)),
        share_chart=Markup(share_bars(theme_views, len(briefs))),
        most_seen=_most_seen(briefs, 20),
    )
    return dict(out)


DAY_PAGES_PARALLEL = 400  # days to render below which forking workers costs more than it saves


def _day_pages(
    shared: tuple[jinja2.Environment, Mapping[str, object], Sequence[Day], Callable[[Sequence[Brief]], list[Paper]]],
    jobs: Sequence[tuple[int, tuple[int, ...]]],
) -> list[tuple[str, bytes]]:
    """The day pages of `jobs` ((day index, parts)), as UTF-8."""
    env, common, days, full = shared
    found = []
    for i, parts_to_render in jobs:
        day = days[i]
        previous = days[i - 1].day if i > 0 else None
        following = days[i + 1].day if i + 1 < len(days) else None
        parts, papers = day_parts(day), full(day.new)
        for part in parts_to_render:
            page = _day_page(env, common, day, part, parts, papers, previous, following)
            found.append((day_path(day.day, part), page.encode("utf-8")))
    return found


def _day_page(
    env: jinja2.Environment,
    common: Mapping[str, object],
    day: Day,
    part: int,
    parts: Sequence[int],
    papers: Sequence[Paper],
    previous: date | None,
    following: date | None,
) -> str:
    """One part of a day's page: its papers by primary theme (taxonomy order, then themes not in
    the taxonomy), each theme's in reading order; the day's themes, with links to the part each
    starts on, at the top."""
    here = day_path(day.day, part)
    views: Sequence[ThemeView] = common["themes"]  # type: ignore[assignment]
    order = {t.id: n for n, t in enumerate(views)}
    names = {t.id: t.name for t in views}

    def link(path: str) -> str:
        return posixpath.relpath(path, posixpath.dirname(here))

    by_theme: dict[str, list[Paper]] = defaultdict(list)
    for paper in sorted(papers, key=reading_order):
        by_theme[paper.themes[0] if paper.themes else "other"].append(paper)
    theme_ids = sorted(by_theme, key=lambda t: (t not in order, order.get(t, 0), t))
    sections, index = [], []
    for theme_id in theme_ids:
        members = by_theme[theme_id]
        mine = [p for p in members if day_part(_position(p)) == part]
        if mine:
            sections.append((theme_id, names.get(theme_id, "Other"), mine))
        first_part = min(day_part(_position(p)) for p in members)
        target = "" if first_part == part else link(day_path(day.day, first_part))
        index.append((names.get(theme_id, "Other"), len(members), f"{target}#{theme_id}"))
    last_position = max((b.position for b in day.new), default=0)
    part_links = [
        (
            n,
            "" if n == part else link(day_path(day.day, n)),
            (n - 1) * DAY_PART_POSITIONS + 1,
            min(n * DAY_PART_POSITIONS, max(last_position, 1)),
        )
        for n in parts
    ]
    return env.get_template("day.md.j2").render(
        common,
        day=day,
        part=part,
        parts=part_links,
        sections=sections,
        index=index,
        up="../" * here.count("/"),
        previous=(previous, link(day_path(previous))) if previous else None,
        next=(following, link(day_path(following))) if following else None,
    )


HOME_THEME_PAPERS = 3  # the latest day's top papers per theme on the home page
HOME_DAY_PAPERS = 3  # ... and each earlier recent day's


def _top_by_theme(
    day: Day, full: Callable[[Sequence[Brief]], list[Paper]], views: Sequence[ThemeView]
) -> list[tuple[str, str, int, list[Paper]]]:
    """The day's top papers of each primary theme (taxonomy order, then themes not in it):
    (theme name, link to its section on the day's page, papers in it, the top papers)."""
    by_theme: dict[str, list[Paper]] = defaultdict(list)
    for paper in sorted(full(day.new), key=reading_order):
        by_theme[paper.themes[0] if paper.themes else "other"].append(paper)
    names = {v.id: v.name for v in views}
    order = {v.id: n for n, v in enumerate(views)}
    found = []
    for theme_id in sorted(by_theme, key=lambda t: (t not in order, order.get(t, 0), t)):
        members = by_theme[theme_id]
        part = min(day_part(_position(p)) for p in members)
        href = f"{day_path(day.day, part)}#{theme_id}"
        found.append((names.get(theme_id, "Other"), href, len(members), members[:HOME_THEME_PAPERS]))
    return found


def _most_seen(briefs: Sequence[Brief], count: int) -> list[Brief]:
    """The papers seen on the most days, then the earliest, then by id."""
    again = [b for b in briefs if len(b.days_seen) > 1]
    pool = again if len(again) >= count else briefs  # quick: few papers are seen twice
    return sorted(pool, key=lambda b: (-len(b.days_seen), b.first_seen, b.id))[:count]


class _EncodingDict(dict[str, bytes]):
    """A dict that encodes the text it is given: a large archive never holds every page twice."""

    def __setitem__(self, key: str, value: str | bytes) -> None:
        super().__setitem__(key, value.encode("utf-8") if isinstance(value, str) else value)
