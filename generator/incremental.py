"""The next day without redoing the archive: extend the last build's grouping with new dumps.

A cold build groups every sighting (generator/dedupe.py). When the only change since the last
build is new dumps whose days come after every earlier one, the grouping can be extended
instead: the groups are the connected components of "same paper" over the pairs of items that
share a blocking key, so new items only add edges, and only pairs that involve a new item need a
decision. `GroupIndex` keeps what that needs in compact form: per item (a distinct normalised
title and abstract) where its first sighting is, its group (union-find), and 128-bit digests of
its text and of its blocking keys, and its text itself, stored beside the state (the writer
appends each day's new items to one file). A new item is compared only with the items it shares
a key with, their texts read back from that file (or, when one cannot be read back intact, from
its dump).

Two things a cold run would do differently are refused, and the caller builds cold: a key that
an earlier run compared and that now has more than MAX_BLOCK items (a cold run skips that block
and the pairs it gave), and a new item that joins two earlier papers (their ids, and any id
salted after a clash, could change).

Texts are known by 128-bit and keys by 104-bit BLAKE2b digests: two different ones sharing a
digest is as unlikely as a cache collision.
"""

from __future__ import annotations

import bisect
import hashlib
import struct
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .dedupe import (
    MAX_BLOCK,
    Grouper,
    Item,
    blocking_keys,
    item_text,
    merge,
    new_papers,
    same_paper,
    sighting_order,
    with_id,
)
from .models import DumpFile, Entry, Paper

EntryLoader = Callable[[str, int], Entry]  # (dump name, position) -> the entry
TextReader = Callable[[str, int], bytes]  # (file name, offset) -> an item's stored record


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _text_digest(title: str, abstract: str) -> bytes:
    return _digest(title + "\x00" + abstract)


ITEM_BITS = 24  # items an index can hold: 16.7 million (a five-year archive has about 100,000)
_ITEM_MASK = (1 << ITEM_BITS) - 1
_LOW64 = (1 << 64) - 1
# Keys added since the last cold build are kept in a dict up to this many, then folded in.
RECENT_KEYS_MAX = 50_000


_RECORD_HEAD = struct.Struct("<IIB")  # title bytes, abstract bytes, cut


def text_record(title: str, abstract: str, cut: bool) -> bytes:
    """An item's text as the index stores it (see GroupIndex.pending)."""
    title_bytes, abstract_bytes = title.encode("utf-8", "surrogatepass"), abstract.encode("utf-8", "surrogatepass")
    return _RECORD_HEAD.pack(len(title_bytes), len(abstract_bytes), cut) + title_bytes + abstract_bytes


def record_size(head: bytes) -> int:
    """The size of the record that starts with these RECORD_HEAD_SIZE bytes."""
    title_size, abstract_size, _ = _RECORD_HEAD.unpack(head)
    return _RECORD_HEAD.size + title_size + abstract_size


RECORD_HEAD_SIZE = _RECORD_HEAD.size


def _from_record(record: bytes) -> tuple[str, str, bool]:
    title_size, abstract_size, cut = _RECORD_HEAD.unpack_from(record)
    at = _RECORD_HEAD.size
    title = record[at : at + title_size].decode("utf-8", "surrogatepass")
    abstract = record[at + title_size : at + title_size + abstract_size].decode("utf-8", "surrogatepass")
    return title, abstract, bool(cut)


def _key_digest(key: str) -> int:
    """A blocking key's 104-bit digest (with the item's 24 bits, one 128-bit sort key)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=13).digest(), "big")


@dataclass
class GroupIndex:
    """The compact, persistable state of a grouping (see the module docstring)."""

    dumps: list[str] = field(default_factory=list)  # dump names; items refer to them by index
    item_dump: array[int] = field(default_factory=lambda: array("l"))  # the item's first sighting: its dump
    item_position: array[int] = field(default_factory=lambda: array("l"))  # ... and its position there
    parent: array[int] = field(default_factory=lambda: array("l"))  # union-find; a root is its set's smallest item
    texts: dict[bytes, int] = field(default_factory=dict)  # text digest -> item
    # Blocking keys: sorted digests (high and low 64 bits) with their items, plus the keys added since.
    key_high: array[int] = field(default_factory=lambda: array("Q"))
    key_low: array[int] = field(default_factory=lambda: array("Q"))
    recent_keys: dict[int, list[int]] = field(default_factory=dict)
    last: tuple[date, str, int] | None = None
    # Each item's text, for comparing new items with it: items below `stored` lie in the file
    # `texts_file` (the writer appends `pending` to it and sets the offsets, `text_at`); the rest
    # are the records in `pending`. A text that cannot be read back is read from its dump.
    texts_file: str = ""
    text_at: array[int] = field(default_factory=lambda: array("q"))
    stored: int = 0
    pending: list[bytes] = field(default_factory=list)
    reader: TextReader | None = field(default=None, compare=False)  # set by the state's reader

    def __getstate__(self) -> dict[str, object]:
        return {**self.__dict__, "reader": None}

    def texts_stored(self, name: str, offsets: Sequence[int]) -> None:
        """The pending records now lie in the file `name` at these offsets."""
        assert len(offsets) == len(self.pending)
        self.texts_file = name
        self.text_at.extend(offsets)
        self.stored += len(offsets)
        self.pending = []

    def _stored_text(self, i: int) -> tuple[str, str, bool] | None:
        """Item i's text from the index's own records, checked against its digest; None when
        it cannot be read or is not what was stored."""
        if i >= self.stored:
            record = self.pending[i - self.stored]
        elif self.reader is None or not self.texts_file:
            return None
        else:
            try:
                record = self.reader(self.texts_file, self.text_at[i])
            except (OSError, ValueError, struct.error):
                return None
        try:
            text = _from_record(record)
        except (UnicodeDecodeError, struct.error):
            return None
        return text if self.texts.get(_text_digest(text[0], text[1])) == i else None

    @classmethod
    def from_grouper(cls, grouper: Grouper) -> GroupIndex:
        index = cls()
        dump_index: dict[str, int] = {}
        for item in grouper.items:
            first = item.entries[0]
            index.item_dump.append(dump_index.setdefault(first.dump, len(dump_index)))
            index.item_position.append(first.position)
            index.texts[_text_digest(item.title, item.abstract)] = item.index
            index.pending.append(text_record(item.title, item.abstract, item.cut))
        index.dumps = list(dump_index)
        find = grouper.uf.find
        index.parent = array("l", (find(i) for i in range(len(grouper.items))))
        # One int per (key, item), sorted: the key's 104-bit digest, then the item (24 bits). A
        # five-year archive has 1.4 million; kept as two arrays of the high and low 64 bits.
        combined = [_key_digest(key) << ITEM_BITS | i for key, members in grouper.blocks.items() for i in members]
        combined.sort()
        index.key_high = array("Q", [v >> 64 for v in combined])
        index.key_low = array("Q", [v & _LOW64 for v in combined])
        index.last = grouper.last
        return index

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def _members(self, digest: int) -> list[int]:
        prefix = digest << ITEM_BITS
        high, low_hash = prefix >> 64, (prefix & _LOW64) >> ITEM_BITS
        start = bisect.bisect_left(self.key_high, high)
        end = bisect.bisect_right(self.key_high, high, start)
        found = [v & _ITEM_MASK for v in self.key_low[start:end] if v >> ITEM_BITS == low_hash]
        return found + self.recent_keys.get(digest, [])

    def add(self, entries: Iterable[Entry], load: EntryLoader) -> dict[int, list[Entry]] | None:
        """Group `entries` (which must sort after every entry grouped before) into the index.

        Returns the new entries by the root of the group they joined (an earlier group's root,
        or a new group's), or None when a cold run would group differently (see above); the
        index is then unusable."""
        ordered = sorted(entries, key=sighting_order)
        if not ordered:
            return {}
        if self.last is not None and sighting_order(ordered[0]) <= self.last:
            return None
        known = len(self.parent)
        materialised: dict[int, Item] = {}

        def item(i: int) -> Item:
            if i not in materialised:
                text = self._stored_text(i) or item_text(load(self.dumps[self.item_dump[i]], self.item_position[i]))
                materialised[i] = Item(i, *text)
            return materialised[i]

        dump_index = {name: i for i, name in enumerate(self.dumps)}
        of_entry: list[int] = []
        new_items: list[int] = []
        for entry in ordered:
            title_text, abstract_text, cut = item_text(entry)
            digest = _text_digest(title_text, abstract_text)
            i = self.texts.get(digest)
            if i is None:
                i = self.texts[digest] = len(self.parent)
                if entry.dump not in dump_index:
                    dump_index[entry.dump] = len(self.dumps)
                    self.dumps.append(entry.dump)
                self.item_dump.append(dump_index[entry.dump])
                self.item_position.append(entry.position)
                self.parent.append(i)
                self.pending.append(text_record(title_text, abstract_text, cut))
                materialised[i] = Item(i, title_text, abstract_text, cut)
                new_items.append(i)
            of_entry.append(i)
        self.last = sighting_order(ordered[-1])
        blocks: dict[int, list[int]] = {}
        if len(self.parent) > _ITEM_MASK:
            return None  # more items than the key index can name
        for i in new_items:
            for key in blocking_keys(materialised[i]):
                key_digest = _key_digest(key)
                if key_digest not in blocks:
                    blocks[key_digest] = self._members(key_digest)
                members = blocks[key_digest]
                if len(members) == MAX_BLOCK and members[0] < known:
                    return None  # a block an earlier run compared grows past the cap
                members.append(i)
                self.recent_keys.setdefault(key_digest, []).append(i)
        compared: set[tuple[int, int]] = set()
        for i in new_items:
            for key in blocking_keys(materialised[i]):
                members = blocks[_key_digest(key)]
                if len(members) > MAX_BLOCK:
                    continue
                for other in members:
                    pair = (min(i, other), max(i, other))
                    if other == i or pair in compared or self.find(i) == self.find(other):
                        continue
                    compared.add(pair)
                    if same_paper(materialised[i], item(other)):
                        a, b = self.find(i), self.find(other)
                        if a < known and b < known:
                            return None  # two earlier papers become one
                        self.parent[max(a, b)] = min(a, b)
        joined: dict[int, list[Entry]] = {}
        for entry, i in zip(ordered, of_entry, strict=True):
            joined.setdefault(self.find(i), []).append(entry)
        if len(self.recent_keys) > RECENT_KEYS_MAX:
            self._fold_recent_keys()
        return joined

    def _fold_recent_keys(self) -> None:
        """Move the keys added by later days into the sorted arrays (a few seconds, every couple
        of months of daily builds), so that the state does not grow a dict without end."""
        combined = [high << 64 | low for high, low in zip(self.key_high, self.key_low, strict=True)]
        combined += [digest << ITEM_BITS | i for digest, members in self.recent_keys.items() for i in members]
        combined.sort()
        self.key_high = array("Q", [v >> 64 for v in combined])
        self.key_low = array("Q", [v & _LOW64 for v in combined])
        self.recent_keys = {}


def group_entries(
    joined: dict[int, list[Entry]],
    known_sightings: Mapping[int, Sequence[tuple[str, int]]],
    load: EntryLoader,
) -> dict[int, list[Entry]]:
    """Every entry of each group that `add` touched: the earlier sightings (dump, position) of
    a known group read back from their dumps, then the new entries, in sighting order."""
    groups = {}
    for root, new in joined.items():
        earlier = [load(dump, position) for dump, position in known_sightings.get(root, ())]
        groups[root] = sorted(earlier + new, key=sighting_order)
    return groups


@dataclass
class Regrouped:
    """What new entries did to the last build's papers (see extend_grouping)."""

    ids: dict[int, str]  # group root -> paper id, with the new papers'
    before: dict[str, Paper]  # the re-sighted papers as they were, by id
    changed: list[Paper]  # the re-sighted papers with their new sightings (themes as they were)
    fresh: list[Paper]  # the new papers


def extend_grouping(
    index: GroupIndex,
    ids: Mapping[int, str],
    entries: Sequence[Entry],
    dumps: Sequence[DumpFile],
    paper_of: Callable[[set[str]], Mapping[str, Paper]],
    parse: Callable[[DumpFile], Sequence[Entry]],
) -> Regrouped | None:
    """Add the new days' entries to the grouping (`index`, changed in place) and merge the
    groups they touched again, as a cold build would; None when a cold build must decide
    (see GroupIndex.add). `paper_of` gives the last build's papers by id, `parse` an earlier
    dump's entries (for sightings whose text the index cannot give back)."""
    by_name = {d.name: d for d in dumps}
    parsed: dict[str, Sequence[Entry]] = {}

    def load(dump: str, position: int) -> Entry:
        if dump not in parsed:
            parsed[dump] = parse(by_name[dump])
        entry = parsed[dump][position - 1]
        assert entry.position == position, (dump, position)
        return entry

    joined = index.add(entries, load)
    if joined is None:
        return None
    new_ids = dict(ids)
    seen_again = {new_ids[root] for root in joined if root in new_ids}
    before = dict(paper_of(seen_again)) if seen_again else {}
    known_sightings = {
        root: [(s.dump, s.position) for s in before[new_ids[root]].sightings] for root in joined if root in new_ids
    }
    groups = group_entries(joined, known_sightings, load)
    changed = [with_id(merge(g), new_ids[root]) for root, g in groups.items() if root in new_ids]
    if any(p.first_seen != before[p.id].first_seen for p in changed):
        return None  # cannot happen with later days only; the store keeps a paper in its month
    fresh = []
    for root, paper in new_papers({r: g for r, g in groups.items() if r not in new_ids}, set(new_ids.values())):
        new_ids[root] = paper.id
        fresh.append(paper)
    return Regrouped(new_ids, before, changed, fresh)
