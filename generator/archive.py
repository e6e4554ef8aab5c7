"""The machine-readable archive, data/papers.json and its gzipped copy: how papers are encoded
into it a month at a time (so the next day re-encodes only the months that changed) and read
back (for commands that work from the last build, such as `digest themes explain`). Pure."""

from __future__ import annotations

import bisect
import gzip
import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from .models import Brief, Earlier, Paper, Sighting, month_key

ARCHIVE_PATH = "data/papers.json"
ARCHIVE_FILES = (ARCHIVE_PATH, ARCHIVE_PATH + ".gz")


def _archive_row(p: Paper) -> bytes:
    row: dict[str, object] = {
        "id": p.id,
        "title": p.title,
        "titles": list(p.titles),
        "abstract": p.abstract,
        "first_seen": p.first_seen.isoformat(),
        "last_seen": p.last_seen.isoformat(),
        "published": p.published.isoformat() if p.published else None,
        "authors_count": p.authors_count,
        "organization": p.organization,
        "upvotes": p.upvotes,
        "themes": list(p.themes),
        "sightings": [
            {"dump": s.dump, "date": s.date.isoformat(), "position": s.position, "line": s.line} for s in p.sightings
        ],
    }
    if p.earlier is not None:  # last: search.record_material reads the fields before "sightings" by place
        e = p.earlier
        row["earlier"] = {
            "until": e.until.isoformat(),
            "title": e.title,
            "abstract": e.abstract,
            "themes": list(e.themes),
        }
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


ARCHIVE_HEAD = b'{"papers":[\n'
ARCHIVE_TAIL = b"\n]}\n"


@dataclass(frozen=True)
class Chunk:
    """One month of the archive (papers first seen that month), as it lies in the two files."""

    key: str
    raw: tuple[int, int]  # (offset, length) in data/papers.json
    gz: tuple[int, int]  # ... and the gzip member in data/papers.json.gz


def archive_files(
    briefs: Sequence[Brief],
    full: Callable[[Sequence[Brief]], list[Paper]],
    digests: Mapping[str, bytes],
    known: Mapping[str, Chunk] | None = None,
    previous: tuple[bytes, bytes] | None = None,
    changed_months: set[str] | None = None,
) -> tuple[bytes, bytes, dict[str, Chunk]]:
    """The machine-readable archive and its gzipped copy, built a month at a time.

    papers.json: newest first_seen first, then by id (the order of `briefs`), one paper per
    line (readable, diffable, far smaller and faster than indented JSON); missing values null.
    The .gz is one gzip member per month (a valid gzip file: it unzips to papers.json), so a
    month whose papers did not change is taken from the previous files (`previous`, where
    `known` says it lies) instead of being encoded and compressed again, and its papers are
    not loaded (`full` gives a month's papers in full). With `changed_months` (the next day:
    the months of papers that changed or came), the other months are not even looked at.
    Level 1: a fifth of the size for a tenth of level 6's time; mtime=0: reproducible."""
    months: list[tuple[str, Sequence[Brief] | None]]
    if changed_months is not None and known and previous:
        months = [(month, None) for month in sorted(known.keys() | changed_months, reverse=True)]
        oldest_before = min(known)
    else:
        months = [(month, list(ms)) for month, ms in itertools.groupby(briefs, lambda b: month_key(b.first_seen))]
        changed_months, oldest_before = None, ""
    raw_parts: list[bytes | memoryview] = [ARCHIVE_HEAD]
    gz_parts: list[bytes | memoryview] = [gzip.compress(ARCHIVE_HEAD, compresslevel=1, mtime=0)]
    # Views, not slices: the unchanged months are copied once, into the new files.
    before = (memoryview(previous[0]), memoryview(previous[1])) if previous else None
    raw_at, gz_at = len(raw_parts[0]), len(gz_parts[0])
    chunks: dict[str, Chunk] = {}
    for n, (month, members) in enumerate(months):
        last = n == len(months) - 1
        old = known.get(month) if known and before else None
        if (
            changed_months is not None
            and old is not None
            and month not in changed_months
            and last == (month == oldest_before)
        ):
            key = old.key  # the same papers, still (or still not) the last month
        else:
            members = members if members is not None else _month_of(briefs, month)
            digest = hashlib.blake2b(f"{month}\0{last}".encode(), digest_size=16)
            digest.update(b"".join([digests[brief.id] for brief in members]))
            key = digest.hexdigest()
        raw: bytes | memoryview
        gz: bytes | memoryview
        if old is not None and before is not None and old.key == key:
            raw = before[0][old.raw[0] : old.raw[0] + old.raw[1]]
            gz = before[1][old.gz[0] : old.gz[0] + old.gz[1]]
        else:
            assert members is not None
            raw = b",\n".join(map(_archive_row, full(members))) + (b"" if last else b",\n")
            gz = gzip.compress(raw, compresslevel=1, mtime=0)
        chunks[month] = Chunk(key, (raw_at, len(raw)), (gz_at, len(gz)))
        raw_parts.append(raw)
        gz_parts.append(gz)
        raw_at += len(raw)
        gz_at += len(gz)
    raw_parts.append(ARCHIVE_TAIL)
    gz_parts.append(gzip.compress(ARCHIVE_TAIL, compresslevel=1, mtime=0))
    return b"".join(raw_parts), b"".join(gz_parts), chunks


def _month_of(briefs: Sequence[Brief], month: str) -> Sequence[Brief]:
    """The briefs first seen in `month` ("2026-11"): a slice of `briefs`, which come newest first."""
    first = date.fromisoformat(month + "-01")
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    newest = bisect.bisect_left(briefs, -(after.toordinal() - 1), key=_descending_day)
    return briefs[newest : bisect.bisect_left(briefs, -(first.toordinal() - 1), key=_descending_day)]


def _descending_day(brief: Brief) -> int:
    return -brief.first_seen.toordinal()


def papers_from_archive(archive: dict[str, object]) -> list[Paper]:
    """papers.json -> Paper objects (for commands that read the last build)."""

    def day(value: object) -> date | None:
        return date.fromisoformat(str(value)) if value else None

    def earlier(value: dict | None) -> Earlier | None:
        if not value:
            return None
        return Earlier(date.fromisoformat(value["until"]), value["title"], value["abstract"], tuple(value["themes"]))

    rows = archive.get("papers")
    papers = []
    for row in rows if isinstance(rows, list) else []:
        papers.append(
            Paper(
                id=row["id"],
                title=row["title"],
                abstract=row["abstract"],
                first_seen=date.fromisoformat(row["first_seen"]),
                last_seen=date.fromisoformat(row["last_seen"]),
                published=day(row.get("published")),
                authors_count=row.get("authors_count"),
                organization=row.get("organization"),
                upvotes=row.get("upvotes"),
                sightings=tuple(
                    Sighting(s["dump"], date.fromisoformat(s["date"]), s["position"], s["line"])
                    for s in row.get("sightings", [])
                ),
                themes=tuple(row.get("themes", [])),
                titles=tuple(row.get("titles", ())),
                earlier=earlier(row.get("earlier")),
            )
        )
    return papers
