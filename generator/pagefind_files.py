"""Pagefind's bundle files: read them (the benchmark measures what a query downloads) and put the
parts Pagefind writes in hash-map order into one order, so the same papers give the same bytes.

A bundle's .pf_meta, .pf_filter and .pf_index files are gzip members holding a signature and
CBOR. Pagefind 1.5 lists a filter's values and the sort orders in the order of a Rust hash map,
which changes from run to run; the file names are hashes of the content, the meta file names the
filter files and pagefind-entry.json names the meta file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import struct
from pathlib import Path
from typing import Any

SIGNATURE = b"pagefind_dcd"


def cbor_decode(data: bytes, i: int = 0) -> tuple[Any, int]:
    """Minimal CBOR decoder: (value, offset after it)."""
    head = data[i]
    major, info = head >> 5, head & 0x1F
    i += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if major == 7:
            fmt = {2: ">e", 4: ">f", 8: ">d"}.get(size)
            if fmt:
                return struct.unpack(fmt, data[i : i + size])[0], i + size
        value = int.from_bytes(data[i : i + size], "big")
        i += size
    elif info == 31:
        items: list[Any] = []
        if major in (4, 5):
            while data[i] != 0xFF:
                item, i = cbor_decode(data, i)
                items.append(item)
            return (items if major == 4 else dict(zip(items[::2], items[1::2], strict=False))), i + 1
        raise ValueError("indefinite strings are not supported")
    else:
        raise ValueError(f"bad CBOR head {head:#x}")
    if major == 0:
        return value, i
    if major == 1:
        return -1 - value, i
    if major == 2:
        return data[i : i + value], i + value
    if major == 3:
        return data[i : i + value].decode("utf-8"), i + value
    if major == 4:
        arr = []
        for _ in range(value):
            item, i = cbor_decode(data, i)
            arr.append(item)
        return arr, i
    if major == 5:
        obj = {}
        for _ in range(value):
            k, i = cbor_decode(data, i)
            v, i = cbor_decode(data, i)
            obj[k] = v
        return obj, i
    if major == 6:
        return cbor_decode(data, i)
    return {20: False, 21: True, 22: None}.get(value), i


def _head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if value < 1 << (8 * size):
            return bytes([major << 5 | info]) + value.to_bytes(size, "big")
    raise ValueError(f"CBOR integer too large: {value}")


def cbor_encode(value: Any) -> bytes:
    """The CBOR of the values cbor_decode gives for Pagefind's files (definite lengths, shortest
    integer heads, as Pagefind writes them)."""
    if value is None or isinstance(value, bool):
        return bytes([0xF6 if value is None else 0xF5 if value else 0xF4])
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(cbor_encode(k) + cbor_encode(v) for k, v in value.items())
    raise TypeError(f"no CBOR encoding for {type(value).__name__}")


def payload(path: Path) -> bytes:
    """The CBOR inside a .pf_* file."""
    data = gzip.decompress(path.read_bytes())
    return data[len(SIGNATURE) :] if data.startswith(SIGNATURE) else data


def _write(path: Path, value: Any) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + cbor_encode(value), compresslevel=9, mtime=0))


def _name(prefix: str, value: Any, length: int) -> str:
    return prefix + hashlib.sha256(cbor_encode(value)).hexdigest()[:length]


def canonicalize(bundle: Path) -> None:
    """Rewrite a bundle's filter and meta files with filter values and sort orders sorted by name,
    renamed by the new content, and the entry file pointing at the new meta file."""
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    for language, info in entry["languages"].items():
        meta_path = bundle / f"pagefind.{info['hash']}.pf_meta"
        meta, _ = cbor_decode(payload(meta_path))
        # [version, pages, index chunks, filters [[name, file]], sorts [[name, page order]], ...]
        if len(meta) < 5 or not all(isinstance(part, list) for part in meta[1:5]):
            raise ValueError(f"{meta_path}: not the meta layout of Pagefind 1.5")
        filters = []
        for name, file_hash in sorted(meta[3]):
            filter_path = bundle / "filter" / f"{file_hash}.pf_filter"
            key, values = cbor_decode(payload(filter_path))[0]
            content = [key, sorted(values, key=lambda v: v[0])]
            new_hash = _name(f"{language}_", content, 7)
            filter_path.unlink()
            _write(bundle / "filter" / f"{new_hash}.pf_filter", content)
            filters.append([name, new_hash])
        meta[3] = filters
        meta[4] = sorted(meta[4], key=lambda sort: sort[0])
        new_meta = _name(f"{language}_", meta, 10)
        meta_path.unlink()
        _write(bundle / f"pagefind.{new_meta}.pf_meta", meta)
        info["hash"] = new_meta
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
