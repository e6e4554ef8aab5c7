"""Process helpers shared by the build: no-GC sections, forked background workers, and a map
over worker processes. Nothing here knows about papers; the stages call it where they gain.

Forking is quick and needs no importable __main__, but it is only safe with no other threads:
every helper here runs inline instead when another thread exists (a progress bar's refresh
thread, a test's server) or the platform cannot fork. The result is the same either way.
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

# Below this many items, worker processes cost more than they save.
PARALLEL_MIN_ITEMS = 4000


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """The build allocates millions of small objects that live until it ends; the cyclic garbage
    collector would scan them again and again for nothing (it cost a third of a large build).
    It is off while papers are built or (un)pickled, and sees only new objects while pages are
    rendered (collect_only_new_objects)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def collect_only_new_objects() -> None:
    """From here on, collections skip everything that exists now (the papers): only the
    short-lived objects of rendering, some in reference cycles, are collected."""
    gc.freeze()
    gc.enable()


def can_fork() -> bool:
    """fork is quick and needs no importable __main__; it is only safe with no other threads."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def map_chunks(
    fn: Callable[[Sequence[T]], R],
    items: Sequence[T],
    meanwhile: Callable[[], object] | None = None,
    min_items: int | None = None,
) -> list[R]:
    """fn over `items` cut into chunks, on the machine's cores, one result per chunk in order
    (a single chunk, inline, for fewer than `min_items` (PARALLEL_MIN_ITEMS) or where forking
    is not safe). `meanwhile` runs in this process while the workers work."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < (PARALLEL_MIN_ITEMS if min_items is None else min_items) or workers < 2 or not can_fork():
        results = [fn(items)]
        if meanwhile:
            meanwhile()
        return results
    size = -(-len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        running = pool.map(fn, chunks)
        if meanwhile:
            meanwhile()
        return list(running)


_FORK_SHARED: list[Any] = []  # what map_forked's workers get by fork (a stack: calls may nest)


def map_forked(
    fn: Callable[[S, Sequence[T]], R], shared: S, items: Sequence[T], min_items: int | None = None
) -> list[R]:
    """fn(shared, chunk) over `items` cut into chunks, as map_chunks. `shared` reaches the
    workers by fork and is never pickled (a template environment, the papers in memory); only
    the items and the results cross."""
    _FORK_SHARED.append(shared)
    try:
        return map_chunks(functools.partial(_with_shared, fn), items, min_items=min_items)
    finally:
        _FORK_SHARED.pop()


def _with_shared(fn: Callable[[Any, Sequence[T]], R], chunk: Sequence[T]) -> R:
    return fn(_FORK_SHARED[-1], chunk)


def in_background(fn: Callable[[Any], Any], arg: Any, what: str) -> Callable[[], Any]:
    """fn(arg) in a forked process (its result, or its exception, comes back pickled); call the
    returned function for the result. Inline when forking is not safe (other threads) or not
    available."""
    if not can_fork():
        done = fn(arg)
        return lambda: done
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            send.send((True, fn(arg)))
        except BaseException as exc:  # raised again in the parent
            try:
                send.send((False, exc))
            except Exception:  # one that does not pickle
                send.send((False, f"{type(exc).__name__}: {exc}"))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()

    def result() -> Any:
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, f"the worker process ended with code {process.exitcode}"
        finally:
            process.join()
            receive.close()
        if not ok:
            raise value if isinstance(value, BaseException) else RuntimeError(f"{what} failed: {value}")
        return value

    return result
