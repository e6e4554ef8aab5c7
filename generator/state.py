"""What builds keep for the next one, under .cache/digest/: the build cache (parsed dumps and
theme assignments) and the next day's state (the last build's grouping, papers and page keys).

Their format and keys live here; files.py puts them on disk. Both only save work: each is
keyed by everything its content depends on (the generator's code, the dump bytes, the theme
config and overrides), and a file that is missing, stale, foreign, truncated or damaged in any
way reads as absent (`read_cache`, `read_state`), so the build runs cold and the output is the
same. Pickle is the format: the state holds about 100,000 papers at five years, and pickle
reads them back in a fraction of a second.
"""

from __future__ import annotations

import hashlib
import pickle
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from .archive import Chunk
from .config import Config
from .errors import Warning_
from .incremental import GroupIndex
from .models import Brief, DumpFile, Entry, Paper, month_key
from .processes import no_gc_pauses
from .theme_model import ThemeModel


@dataclass
class BuildCache:
    """Parsed dumps and theme assignments from earlier builds, keyed by hashes of everything they
    depend on (the generator's code, the dump bytes, the theme config, the paper's text), so
    using the cache never changes the output; it only skips work. A build keeps what it used."""

    code: str  # fingerprint of the generator's source: other code, other cache
    parsed: dict[str, tuple[list[Entry], list[Warning_]]] = field(default_factory=dict)
    themes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    hits: int = 0
    misses: int = 0
    used_parsed: set[str] = field(default_factory=set)  # keys this build looked up
    used_themes: set[str] = field(default_factory=set)

    def _key(self, *parts: str | bytes, base: Any = None) -> str:
        digest = base.copy() if base is not None else self._hasher()
        for part in parts:
            digest.update(b"\x00" + (part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")))
        return digest.hexdigest()[:40]

    def _hasher(self, *parts: str) -> Any:
        """A hash of the code and `parts`, to be copied and extended per item."""
        digest = hashlib.sha256(self.code.encode())
        for part in parts:
            digest.update(b"\x00" + part.encode("utf-8", "surrogatepass"))
        return digest

    def start(self) -> None:
        """A new build: hits, misses and what it used are counted afresh."""
        self.hits = self.misses = 0
        self.used_parsed, self.used_themes = set(), set()

    def parsed_dump(
        self, dump: DumpFile, parse: Callable[[DumpFile], tuple[list[Entry], list[Warning_]]]
    ) -> tuple[list[Entry], list[Warning_]]:
        """parse(dump), or what it gave for the same dump (name, path, bytes) and code before."""
        key = self._key("parse", dump.name, dump.path, dump.sha256)
        self.used_parsed.add(key)
        if key in self.parsed:
            self.hits += 1
        else:
            self.parsed[key] = parse(dump)  # a DumpError is not kept: the dump is parsed again next time
            self.misses += 1
        return self.parsed[key]

    def themes_of(
        self,
        texts: list[tuple[str, str]],
        config: object,
        assign_many: Callable[[list[tuple[str, str]]], list[tuple[str, ...]]],
    ) -> list[tuple[str, ...]]:
        """assign_many(texts), computed only for the (title, abstract) pairs not assigned before
        under the same code and theme config (`config`, by its repr)."""
        base = self._hasher("themes", repr(config))
        keys = [self._key(title, abstract, base=base) for title, abstract in texts]
        self.used_themes.update(keys)
        missing = [i for i, key in enumerate(keys) if key not in self.themes]
        for i, themes in zip(missing, assign_many([texts[i] for i in missing]), strict=True):
            self.themes[keys[i]] = themes
        return [self.themes[key] for key in keys]

    def pruned(self) -> BuildCache:
        """Only what this build used: the next one starts from it."""
        return BuildCache(
            self.code,
            {k: v for k, v in self.parsed.items() if k in self.used_parsed},
            {k: v for k, v in self.themes.items() if k in self.used_themes},
            hits=self.hits,
            misses=self.misses,
        )


class MissingMonth(LookupError):
    """A month of papers the state names can no longer be read (its file is gone)."""


class PaperStore:
    """Every paper of a build, kept by month of first_seen and pickled a month at a time: the
    next day's build unpickles only the months whose papers it shows in full (the new day's,
    the re-sighted papers', the feeds'), and pickles again only the months that changed.

    A pickled month has a name made from its content. The writer stores each one as a file of
    its own (see files.StateSaver), so saving the state after a day writes only the months that
    changed, and `reader` reads a stored month back; months not yet stored travel with the
    store when it is pickled."""

    def __init__(self, papers: Iterable[Paper] = ()) -> None:
        self._loaded: dict[str, dict[str, Paper]] = {}  # month -> paper id -> paper
        self._names: dict[str, str] = {}  # month -> the name of its pickle, while it is unchanged
        self._pending: dict[str, bytes] = {}  # name -> pickle, of the months not stored yet
        self.reader: Callable[[str], bytes] | None = None  # a stored month's pickle by its name
        self.damaged: str | None = None  # the name of a stored month that could not be read back
        self.put(papers)

    def _month(self, month: str) -> dict[str, Paper]:
        found = self._loaded.get(month)
        if found is None:
            name = self._names.get(month)
            blob = self._pending.get(name) if name else None
            if name and blob is None:
                try:
                    blob = self.reader(name) if self.reader else None
                except OSError:
                    blob = None
                if blob is None:
                    raise MissingMonth(month)
                if not name.endswith("-" + _month_digest(blob)):  # named by content: changed bytes show
                    self.damaged = name
                    raise MissingMonth(month)
            try:
                found = {p.id: p for p in pickle.loads(blob)} if blob else {}
                if not all(isinstance(p, Paper) for p in found.values()):
                    raise TypeError("not a month of papers")
            except Exception:  # a damaged month file is a missing one: the build runs cold
                self.damaged = name
                raise MissingMonth(month) from None
            self._loaded[month] = found
        return found

    def get(self, paper: Brief | Paper) -> Paper:
        return self._month(month_key(paper.first_seen))[paper.id]

    def full(self, briefs: Iterable[Brief]) -> list[Paper]:
        return [self.get(brief) for brief in briefs]

    def put(self, papers: Iterable[Paper]) -> None:
        """Add papers, or replace them by id (a paper stays in its month: first_seen is fixed)."""
        for paper in papers:
            month = month_key(paper.first_seen)
            self._month(month)[paper.id] = paper
            self._names.pop(month, None)

    def unstored(self) -> dict[str, bytes]:
        """The pickles (by name) of the months not stored yet: the changed ones."""
        with no_gc_pauses():
            for month, members in sorted(self._loaded.items()):
                if month not in self._names:
                    blob = pickle.dumps(list(members.values()), pickle.HIGHEST_PROTOCOL)
                    name = f"{month}-{_month_digest(blob)}"
                    self._names[month], self._pending[name] = name, blob
        return dict(self._pending)

    def stored(self, names: Iterable[str]) -> None:
        """These pickles are stored now: the store pickles their names only."""
        for name in names:
            self._pending.pop(name, None)

    def names(self) -> set[str]:
        return set(self._names.values())

    def __getstate__(self) -> dict[str, Any]:
        self.unstored()
        return {"names": dict(sorted(self._names.items())), "pending": self._pending}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._loaded, self._names, self._pending, self.reader = {}, state["names"], state["pending"], None
        self.damaged = None


def _month_digest(blob: bytes) -> str:
    return hashlib.blake2b(blob, digest_size=12).hexdigest()


@dataclass
class BuildState:
    """The last build's papers and grouping, for `extend`. Valid for one code and theme config."""

    key: str  # state_key(): the code, the theme config and the overrides it was made with
    dumps: list[tuple[str, str]]  # (name, dump_key) of every dump, in build order
    index: GroupIndex
    ids: dict[int, str]  # group root -> paper id
    briefs: list[Brief]  # of every paper, newest first_seen first, then by id
    store: PaperStore
    entries: int
    warnings: list[Warning_]
    digests: dict[str, bytes]  # paper id -> paper_digest()
    seen_dumps: set[str]  # the dumps with at least one sighting
    theme_model: ThemeModel | None = None  # fitted on the labels and the pinned papers' texts
    # What the build wrote, for the next one to keep what it need not redo: the key of each
    # day and theme-month page and archive month, and (set by the writer) where the files
    # are and each one's size and modification time, to tell that they are still as written.
    page_keys: dict[str, str] = field(default_factory=dict)
    page_salt: str = ""  # what the page keys were made with (PageCache.salt)
    chunks: dict[str, Chunk] = field(default_factory=dict)
    out_dir: str = ""
    written: dict[str, list[int]] = field(default_factory=dict)  # path -> [size, mtime_ns]

    @classmethod
    def of_build(
        cls,
        code: str,
        config: Config,
        dumps: Sequence[DumpFile],
        ids: dict[int, str],
        briefs: list[Brief],
        store: PaperStore,
        entries: int,
        warnings: list[Warning_],
        digests: dict[str, bytes],
        seen_dumps: set[str],
        theme_model: ThemeModel,
    ) -> BuildState:
        """The state of a cold build (its grouping index is set once made, beside rendering)."""
        return cls(
            state_key(code, config),
            [(d.name, dump_key(code, d)) for d in dumps],
            GroupIndex(),
            ids,
            briefs,
            store,
            entries,
            list(warnings),
            digests,
            seen_dumps,
            theme_model,
        )

    def extends(self, code: str, config: Config, dumps: Sequence[DumpFile]) -> bool:
        """Whether `dumps` are this state's dumps (the same names, paths and bytes, under the same
        code, theme config and overrides) followed by later ones."""
        earlier = len(self.dumps)
        return (
            self.key == state_key(code, config)
            and len(dumps) >= earlier
            and [(d.name, dump_key(code, d)) for d in dumps[:earlier]] == self.dumps
        )

    def extended(
        self,
        code: str,
        new_dumps: Sequence[DumpFile],
        ids: dict[int, str],
        briefs: list[Brief],
        entries: Sequence[Entry],
        warnings: list[Warning_],
        digests: dict[str, bytes],
    ) -> BuildState:
        """The state after the next day's `new_dumps`. The grouping index and the papers' store
        were changed in place; the page keys and archive months carry over until rendering
        replaces them."""
        return BuildState(
            self.key,
            self.dumps + [(d.name, dump_key(code, d)) for d in new_dumps],
            self.index,
            ids,
            briefs,
            self.store,
            self.entries + len(entries),
            self.warnings + warnings,
            digests,
            self.seen_dumps | {e.dump for e in entries},
            self.theme_model,
            page_keys=self.page_keys,
            page_salt=self.page_salt,
            chunks=self.chunks,
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        # As columns: pickle does a list of strings in C, a named tuple in Python (7x slower).
        state["briefs"] = [list(column) for column in zip(*self.briefs, strict=True)]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.briefs = list(map(Brief._make, zip(*state["briefs"], strict=True)))


def state_key(code: str, config: Config) -> str:
    return hashlib.sha256(f"{code}\0{config.themes!r}\0{sorted(config.overrides.items())!r}".encode()).hexdigest()


def dump_key(code: str, dump: DumpFile) -> str:
    """A dump's identity for the state: its name, where errors say it is, its bytes, the code."""
    digest = hashlib.sha256(f"{code}\0{dump.name}\0{dump.path}\0".encode())
    digest.update(dump.sha256)
    return digest.hexdigest()


class DamagedCache(Exception):
    """A cache file that cannot be read back whole, or holds something else: the caller treats
    it as absent (and says so once)."""


# Each pickle in a cache file is framed: this mark, its length and its BLAKE2b digest, so that
# bytes changed anywhere (a partial restore, a full disk, another version's file) are caught
# before anything is unpickled, not only where they happen to break the pickle.
_FRAME_MARK = b"digest-cache-1\n"
_FRAME_HEAD = struct.Struct("<Q16s")


def _write_framed(handle: IO[bytes], value: object) -> None:
    with no_gc_pauses():
        payload = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    handle.write(_FRAME_MARK + _FRAME_HEAD.pack(len(payload), _frame_digest(payload)))
    handle.write(payload)


def _read_framed(handle: IO[bytes]) -> Any:
    head = handle.read(len(_FRAME_MARK) + _FRAME_HEAD.size)
    if len(head) != len(_FRAME_MARK) + _FRAME_HEAD.size or not head.startswith(_FRAME_MARK):
        raise DamagedCache("not a digest cache file of this version")
    size, digest = _FRAME_HEAD.unpack_from(head, len(_FRAME_MARK))
    payload = handle.read(size)
    if len(payload) != size:
        raise DamagedCache("truncated")
    if _frame_digest(payload) != digest:
        raise DamagedCache("its bytes changed since it was written")
    try:
        with no_gc_pauses():
            return pickle.loads(payload)
    except Exception as exc:  # e.g. a class this version does not have
        raise DamagedCache(f"cannot be read back: {type(exc).__name__}") from None


def _frame_digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=16).digest()


def read_cache(handle: IO[bytes], code: str) -> BuildCache:
    """The build cache written to `handle` by write_cache, or an empty one when it was made by
    other code. Raises DamagedCache when it cannot be read back whole or is not a build cache."""
    cache = _read_framed(handle)
    if not isinstance(cache, BuildCache):
        raise DamagedCache(f"holds a {type(cache).__name__}, not a build cache")
    return cache if cache.code == code else BuildCache(code)


def write_cache(handle: IO[bytes], cache: BuildCache) -> None:
    _write_framed(handle, cache)


def write_state(handle: IO[bytes], state: BuildState) -> None:
    """The state without where its build wrote (the writer is still writing: write_written adds it)."""
    _write_framed(handle, replace(state, out_dir="", written={}))


def write_written(handle: IO[bytes], state: BuildState) -> None:
    """Where the state's build wrote and the stats of what it wrote, after the state itself."""
    _write_framed(handle, (state.out_dir, state.written))


def read_state(handle: IO[bytes], key: str) -> BuildState | None:
    """The state written to `handle` (by write_state, then write_written) when it was made under
    `key` (the same code, theme config and overrides); None when it was made under another key.
    Raises DamagedCache when it cannot be read back whole (a damaged state is an absent one, and
    the build runs cold)."""
    state = _read_framed(handle)
    if not isinstance(state, BuildState):
        raise DamagedCache(f"holds a {type(state).__name__}, not a build state")
    if state.key != key:
        return None
    written = _read_framed(handle)
    if not (isinstance(written, tuple) and len(written) == 2):
        raise DamagedCache("its record of the written files is missing")
    state.out_dir, state.written = written
    return state
