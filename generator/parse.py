"""Dump text -> entries. Pure: bytes in, entries and warnings out.

Two formats are recognised per file:

* **A (blocks)**: paragraphs separated by blank lines: a title, its abstract (possibly wrapped over
  several lines), then optionally a metadata block: ``• N authors`` or an organisation line, a
  line ``·``, and a date ``Mon D`` / ``Mon D, YYYY`` optionally followed by an upvote count.
* **B (lines)**: no blank lines; a title line, then its abstract line, alternating.

Both start with header noise (``new``, ``Get trending papers…``, ``Subscribe``, ``Daily Papers``,
``byAK…`` and the page date) and format B glues ``Subscribe`` to the first title.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from .errors import DumpError, Warning_
from .models import DumpFile, Entry

MONTHS = {
    m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_MONTH_RE = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# "May 25, 2025 2", "Jan 14 2", "Jun 10"
DATE_RE = re.compile(rf"^{_MONTH_RE}\s+(\d{{1,2}})(?:\s*,\s*(\d{{4}}))?(?:\s+(\d{{1,7}}))?$", re.I)
AUTHORS_RE = re.compile(r"^•\s*(\d{1,5})\s+authors?$", re.I)
DOT_LINE = "·"
HEADER_NOISE = re.compile(r"^(new|subscribe|daily papers|get trending papers\b.*|by\s?ak\b.*)$", re.I)
GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")
# Characters that are whitespace in a dump but not for str.split() in every case.
_SPACES = re.compile("[\t\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2009\u200a]")
# Control characters other than tab/newline are dropped: they can only corrupt pages and feeds.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\ufeff\ufffe\uffff]")
# Any character that cleaning would change, besides a space at either end of a line: the two
# sets above and every other character str.split() takes for whitespace.
_UNCLEAN = re.compile(
    "[\x00-\x08\t\x0b\x0c\x0e-\x1f\x7f\x85\xa0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff\ufffe\uffff]"
)
# A title is a single short line; anything much longer is an abstract.
MAX_TITLE_CHARS = 400
# A paragraph holding a line this long is unwrapped text, one title or abstract per line.
LONG_LINE = 300
# A dump none of whose entries has an abstract this long holds no paper ("hello\nworld").
MIN_ABSTRACT_CHARS = 40


class _Line(NamedTuple):  # a tuple: made for every line of every dump
    number: int  # 1-based line number in the file
    text: str  # cleaned, stripped


@dataclass(frozen=True)
class _Meta:
    authors_count: int | None
    organization: str | None
    published: date | None
    upvotes: int | None


def decode(dump: DumpFile) -> tuple[str, list[Warning_]]:
    """Bytes -> text. UTF-8 (with or without BOM); cp1252 with a warning; else DumpError."""
    data = dump.data
    if not data.strip():
        raise DumpError(dump.path, 1, "the dump is empty", "delete it or put the day's listing in it")
    if b"\x00" in data[:65536]:
        raise DumpError(dump.path, 1, "the dump is not text (it holds NUL bytes)", "replace it with the text dump")
    # Without the BOM, so that error offsets (and so line numbers) and the cp1252 text match the file.
    body = data.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        bad_line = body[: exc.start].count(b"\n") + 1
        if exc.reason == "unexpected end of data" and exc.end == len(body):
            # A UTF-8 copy cut off inside its last character: keep it UTF-8 rather than mojibake it all.
            warning = Warning_(
                dump.path, bad_line, "the dump ends inside a character; that character was dropped",
                "check that the copy is complete",
            )  # fmt: skip
            return body[: exc.start].decode("utf-8"), [warning]
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError:
        raise DumpError(
            dump.path,
            bad_line,
            "the dump is neither UTF-8 nor cp1252 text",
            "save it as UTF-8 and add it again",
        ) from None
    warning = Warning_(dump.path, bad_line, "not valid UTF-8; read as cp1252", "save the dump as UTF-8")
    return text, [warning]


# The start of a saved web page ("Save page as"), after blank lines and comments.
_HTML_START = re.compile(r"\A(?:\s|<!--.*?-->)*<(?:!doctype\s+html|html|head|body|\?xml)\b", re.I | re.S)
_TAG_LINE = re.compile(r"^[ \t]*</?[a-zA-Z!][^>]*>", re.M)
# Control characters text does not hold; binary data (an image, an archive) is full of them.
_BINARY = re.compile("[\x01-\x08\x0e-\x1a\x1c-\x1f]")


def refuse_non_listing(dump: DumpFile, text: str) -> None:
    """Raise DumpError when a decoded dump is plainly not a listing's text: a web page, or
    binary data that happens to decode."""
    start = text[:65536]
    tag_lines = len(_TAG_LINE.findall(start))
    lines = sum(1 for line in start.splitlines() if line.strip())
    if _HTML_START.match(start) or (tag_lines >= 3 and tag_lines * 2 > lines):
        first = _TAG_LINE.search(start)
        line = start[: first.start()].count("\n") + 1 if first else 1
        raise DumpError(
            dump.path,
            line,
            "the dump is a web page (HTML), not the listing's text",
            "open the listing in the browser, select all, copy and paste the text into a .txt file "
            '("Save page as" gives HTML)',
        )
    if len(_BINARY.findall(start)) * 20 > len(start):  # over 5%: random bytes give about 10%
        raise DumpError(dump.path, 1, "the dump is not text (binary data)", "replace it with the text dump")


def _lines(text: str) -> list[_Line]:
    """The lines of a dump, numbered from 1, each with its whitespace normalised and control
    characters dropped (over the whole text at once: per line, this was most of parsing)."""
    # splitlines() also splits on \x1c-\x1e and \u2028; split on newlines only so that line numbers
    # agree with what an editor shows.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _UNCLEAN.search(text) is None:  # only spaces to squeeze: most dumps, three times faster
        return [_Line(i, _squeeze(raw)) for i, raw in enumerate(text.split("\n"), 1)]
    text = _CONTROL.sub("", _SPACES.sub(" ", text))
    return [_Line(i, " ".join(raw.split())) for i, raw in enumerate(text.split("\n"), 1)]


def _squeeze(line: str) -> str:
    line = line.strip(" ")
    return " ".join(line.split()) if "  " in line else line


def _strip_header(lines: list[_Line]) -> tuple[list[_Line], str | None]:
    """Drop the page header; return the body and the header's page date text (e.g. "Jun 10")."""
    page_date = None
    i = 0
    while i < len(lines):
        text = lines[i].text
        if not text or HEADER_NOISE.match(text):
            i += 1
            continue
        if page_date is None and DATE_RE.match(text) and _is_bare_day(text):
            page_date = text
            i += 1
            continue
        glued = GLUED_SUBSCRIBE.match(text)
        if glued:
            rest = text[glued.end() :]
            return [_Line(lines[i].number, rest), *lines[i + 1 :]], page_date
        break
    return lines[i:], page_date


def _is_bare_day(text: str) -> bool:
    m = DATE_RE.match(text)
    return bool(m) and m.group(3) is None and m.group(4) is None  # type: ignore[union-attr]


def header_date(dump: DumpFile) -> str | None:
    """The page date in the dump's header ("Jun 10"), or None when it has none."""
    text, _ = decode(dump)
    return _strip_header(_lines(text))[1]


def resolve_date(month: int, day: int, year: int | None, not_after: date) -> date | None:
    """A date; without a year, the latest such date not after `not_after`. None if impossible."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for y in range(not_after.year, not_after.year - 9, -1):
        try:
            candidate = date(y, month, day)
        except ValueError:  # Feb 29 in a common year: try the year before
            continue
        if candidate <= not_after:
            return candidate
    return None


def parse_date_line(text: str, not_after: date) -> tuple[date, int | None] | None:
    m = DATE_RE.match(text)
    if not m:
        return None
    month = MONTHS[m.group(1)[:3].lower()]
    year = int(m.group(3)) if m.group(3) else None
    published = resolve_date(month, int(m.group(2)), year, not_after)
    if published is None:
        return None
    return published, int(m.group(4)) if m.group(4) else None


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    paragraphs: list[list[_Line]] = []
    current: list[_Line] = []
    for line in lines:
        if line.text:
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _meta_from_lines(texts: list[str], not_after: date) -> _Meta | None:
    """A metadata block: [authors|organisation], '·', date. None when these lines are not one."""
    joined = " · ".join(texts)
    parts = [p.strip() for p in joined.split(DOT_LINE)]
    parts = [p for p in parts if p]
    if DOT_LINE not in joined and not (len(texts) == 1 and AUTHORS_RE.match(texts[0])):
        return None
    authors = organization = published = upvotes = None
    for part in parts:
        if (m := AUTHORS_RE.match(part)) is not None:
            authors = int(m.group(1))
        elif (d := parse_date_line(part, not_after)) is not None:
            published, upvotes = d
        elif organization is None and len(part) <= 200 and published is None:
            organization = part
        else:
            return None
    return _Meta(authors, organization, published, upvotes)


def _is_meta_line(text: str) -> bool:
    return text == DOT_LINE or bool(AUTHORS_RE.match(text))


def parse_dump(dump: DumpFile) -> tuple[list[Entry], list[Warning_]]:
    """Parse one dump into entries (in file order) and warnings.

    Raises DumpError when the dump is empty, not text, or holds no entries.
    """
    text, warnings = decode(dump)
    refuse_non_listing(dump, text)
    body, _ = _strip_header(_lines(text))
    if not any(line.text for line in body):
        raise DumpError(dump.path, 1, "the dump holds only a header, no papers", "check that the copy is complete")
    units: list[_Unit] = []
    paragraphs = _paragraphs(body)
    # Format B: runs of unwrapped title and abstract lines. Then every multi-line paragraph is
    # read line by line, also a short entry after a stray blank line.
    format_b = len(paragraphs) == 1 or any(
        len(p) > 2 and any(len(line.text) > LONG_LINE for line in p) for p in paragraphs
    )
    for para in paragraphs:
        if len(para) > 1 and (format_b or any(len(line.text) > LONG_LINE for line in para)):
            # One line per title/abstract (format B, or a format A entry missing its blank lines).
            units.extend(_units_lines(para, dump))
        else:
            units.extend(_units_block(para, dump))
    entries, more = _assemble(units, dump)
    warnings.extend(more)
    if not any(len(e.abstract) >= MIN_ABSTRACT_CHARS for e in entries):
        # Nothing read as a title with an abstract: a few short lines are not a listing.
        raise DumpError(dump.path, 1, "no paper entries found", "check that this is a Daily Papers listing")
    return entries, warnings


# A unit is one of: ("text", line, text) — a title or abstract candidate — or ("meta", line, _Meta).
_Unit = tuple[str, int, object]


def _units_block(para: list[_Line], dump: DumpFile) -> list[_Unit]:
    """One paragraph of format A: a (wrapped) title or abstract, or a metadata block."""
    texts = [line.text for line in para]
    meta_start = next((i for i, t in enumerate(texts) if _is_meta_line(t)), None)
    if meta_start is not None:
        # The organisation line (if any) sits right before the "·".
        start = meta_start
        if texts[meta_start] == DOT_LINE and meta_start > 0:
            start = meta_start - 1
        meta = _meta_from_lines(texts[start:], dump.day)
        if meta is not None:
            units: list[_Unit] = []
            if start > 0:
                units.append(("text", para[0].number, " ".join(texts[:start])))
            units.append(("meta", para[start].number, meta))
            return units
    # Several lines in one paragraph are one wrapped title or abstract.
    return [("text", para[0].number, " ".join(texts))]


def _units_lines(body: list[_Line], dump: DumpFile) -> list[_Unit]:
    """Lines of format B: each line a title or an abstract; metadata lines where they occur."""
    units: list[_Unit] = []
    i = 0
    while i < len(body):
        line = body[i]
        if _is_meta_line(line.text):
            block = [line.text]
            j = i + 1
            while j < len(body) and j <= i + 2 and (body[j].text == DOT_LINE or DATE_RE.match(body[j].text)):
                block.append(body[j].text)
                j += 1
            # An organisation line before the "·" follows an abstract and reads like a name.
            org = units[-1] if line.text == DOT_LINE and len(units) >= 2 else None
            if (
                org is not None
                and org[0] == "text"
                and units[-2][0] == "text"
                and not _looks_like_abstract(str(org[2]))
            ):
                block.insert(0, str(org[2]))
            else:
                org = None
            meta = _meta_from_lines(block, dump.day)
            if meta is not None:
                if org is not None:
                    units.pop()
                units.append(("meta", org[1] if org else line.number, meta))
                i = j
                continue
        units.append(("text", line.number, line.text))
        i += 1
    return units


_SENTENCE_END = re.compile(r"[.!]['\")\]]?$")


def _looks_like_abstract(text: str) -> bool:
    """Prose rather than a title: long, or ends a sentence with a full stop."""
    return len(text) > MAX_TITLE_CHARS or bool(_SENTENCE_END.search(text)) or len(text) > 300


def _assemble(units: list[_Unit], dump: DumpFile) -> tuple[list[Entry], list[Warning_]]:
    """Pair titles with abstracts and attach metadata blocks."""
    entries: list[Entry] = []
    warnings: list[Warning_] = []
    pending: dict[str, object] | None = None  # the entry being built

    def flush() -> None:
        nonlocal pending
        if pending is None:
            return
        if not pending["abstract"]:
            warnings.append(
                Warning_(dump.path, int(pending["line"]), "title with no abstract", "kept with an empty abstract")  # type: ignore[call-overload]
            )
        meta = pending["meta"]
        assert meta is None or isinstance(meta, _Meta)
        entries.append(
            Entry(
                dump=dump.name,
                date=dump.day,
                position=len(entries) + 1,
                line=int(pending["line"]),  # type: ignore[call-overload]
                title=str(pending["title"]),
                abstract=str(pending["abstract"]),
                authors_count=meta.authors_count if meta else None,
                organization=meta.organization if meta else None,
                published=meta.published if meta else None,
                upvotes=meta.upvotes if meta else None,
            )
        )
        pending = None

    for index, (kind, number, value) in enumerate(units):
        if kind == "meta":
            if pending is None or pending["meta"] is not None:
                warnings.append(Warning_(dump.path, number, "metadata with no title", "ignored"))
                continue
            pending["meta"] = value
            flush()
            continue
        text = str(value)
        if pending is not None and not pending["abstract"]:
            nxt = units[index + 1] if index + 1 < len(units) else None
            # Two short lines in a row followed by a long one: the first title lost its abstract.
            title_like_pair = (
                not _looks_like_abstract(text)
                and nxt is not None
                and nxt[0] == "text"
                and _looks_like_abstract(str(nxt[2]))
            )
            if not title_like_pair:
                pending["abstract"] = text
                continue
        flush()
        pending = {"title": text, "abstract": "", "line": number, "meta": None}
    flush()
    return entries, warnings


def day_from_name(name: str) -> date | None:
    """`2026-06-10.txt` or `2026-06-10-anything.txt` -> that date; anything else -> None."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:-[^/\\]+)?\.txt", name)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
