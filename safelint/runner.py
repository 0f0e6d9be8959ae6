"""Run the checker over many files in worker processes; results come back in input order.

Work is handed out biggest file first, one file per task, so one huge file cannot
serialise the run. Workers stop with the run (``workers``): on Ctrl-C, and when the main
process is killed. A worker that dies (libcst's native parser can crash the process on
inputs CPython's parser accepts) costs only its file: the files not finished are re-checked
each in a process of its own, and the one that kills its process becomes an SL000 finding.

The cyclic garbage collector is managed (``_collector_paused``, ``_frozen``): left to itself it
spent a quarter of a run re-traversing what the check of one file allocates.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from safelint import workers
from safelint.cache import ResultCache
from safelint.config import Settings
from safelint.discovery import SourceFile
from safelint.engine import Checker
from safelint.plugins import load_module
from safelint.project import Project, build_project
from safelint.results import FileResult, Finding
from safelint.rule import all_rules
from safelint.source import SourceError, read_source

# Below this much source, starting processes costs more than it saves.
_PARALLEL_THRESHOLD_BYTES = 256 * 1024

_worker_settings: list[Settings] = []
_worker_checkers: dict[int, Checker] = {}
_worker_project: list[Project | None] = [None]


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _init_pool_worker(settings: list[Settings], project: Project | None) -> None:
    _init_worker(settings, project)
    gc.freeze()  # the inherited index and knowledge base: never traversed, pages never copied


def _init_worker(settings: list[Settings], project: Project | None) -> None:
    _worker_settings[:] = settings
    _worker_project[0] = project
    _worker_checkers.clear()
    all_rules()
    for each in settings:  # a spawned worker imports the configured plugins afresh; forked ones have them
        for module in each.plugins:
            load_module(module)


def _check_one(settings_index: int, path: str, display: str) -> FileResult:
    checker = _worker_checkers.get(settings_index)
    if checker is None:
        checker = Checker(_worker_settings[settings_index], _worker_project[0])
        _worker_checkers[settings_index] = checker
    with _collector_paused():
        return checker.check_path(Path(path), display)


_YOUNG_LIMIT = 100_000
"""Objects the young generation may hold after a file before it is collected."""


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic collection while one file is checked; one of the young generation after
    it, once files have left enough behind.

    What a check allocates (the tree, flow graphs, memos) stays alive until the check ends.
    Collections during the check find little to free; they promote it all to the old
    generation, whose collections then traverse it, and every long-lived object, again and
    again (a quarter of a run's CPU). The check unlinks its own cycles when it ends
    (``ModuleContext.close``), so little is left for the collector, which then runs only
    every few files."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] > _YOUNG_LIMIT:
            gc.collect(0)
        gc.enable()


@contextmanager
def _frozen() -> Iterator[None]:
    """The objects alive now (the project index, the knowledge base) left out of every
    collection for the duration: they outlive it anyway. A caller's own freeze is left alone."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def run(
    files: list[SourceFile],
    jobs: int,
    project: Project | None = None,
    progress: Callable[[], None] | None = None,
    cache: Callable[[Settings], ResultCache] | None = None,
) -> list[FileResult]:
    """Check every file, reusing cached results; the result list is in the order of ``files``."""
    caches: dict[int, ResultCache] = {}
    cached: dict[int, FileResult] = {}
    keys: dict[int, tuple[ResultCache, str]] = {}
    remaining = []
    for position, source in enumerate(files):
        if cache is None:
            remaining.append(source)
            continue
        store = caches.get(id(source.settings))
        if store is None:
            store = caches[id(source.settings)] = cache(source.settings)
        try:
            key = store.key(read_source(source.path), source.display)
        except (OSError, SourceError):  # the checker reports why
            remaining.append(source)
            continue
        hit = store.get(key)
        if hit is not None:
            cached[position] = hit
            if progress:
                progress()
        else:
            keys[position] = (store, key)
            remaining.append(source)
    fresh = iter(_run_uncached(remaining, jobs, project, progress))
    results = []
    for position in range(len(files)):
        if position in cached:
            results.append(cached[position])
            continue
        result = next(fresh)
        if position in keys:
            store, key = keys[position]
            store.put(key, result)
        results.append(result)
    return results


def _run_uncached(
    files: list[SourceFile],
    jobs: int,
    project: Project | None,
    progress: Callable[[], None] | None,
) -> list[FileResult]:
    settings: list[Settings] = []
    index_of: dict[int, int] = {}
    tasks = []
    for position, source in enumerate(files):
        key = id(source.settings)
        if key not in index_of:
            index_of[key] = len(settings)
            settings.append(source.settings)
        tasks.append((position, index_of[key], str(source.path), source.display))
    sizes = {t[0]: _size(t[2]) for t in tasks}
    if jobs <= 1 or len(tasks) < 2 or sum(sizes.values()) < _PARALLEL_THRESHOLD_BYTES:
        _init_worker(settings, project)
        results = []
        with _frozen():
            for _, settings_index, path, display in tasks:
                results.append(_check_one(settings_index, path, display))
                if progress:
                    progress()
        return results
    tasks.sort(key=lambda t: -sizes[t[0]])
    done: dict[int, FileResult] = {}
    try:
        with workers.pool(min(jobs, len(tasks)), _init_pool_worker, (settings, project)) as pool:
            futures = {pool.submit(_check_one, s, p, d): pos for pos, s, p, d in tasks}
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if progress:
                    progress()
    except BrokenProcessPool:
        for position, settings_index, path, display in tasks:
            if position not in done:
                done[position] = _check_isolated(settings, project, settings_index, path, display)
                if progress:
                    progress()
    return [done[i] for i in range(len(files))]


def _check_isolated(
    settings: list[Settings], project: Project | None, settings_index: int, path: str, display: str
) -> FileResult:
    try:
        with workers.pool(1, _init_pool_worker, (settings, project)) as pool:
            return pool.submit(_check_one, settings_index, path, display).result()
    except BrokenProcessPool:
        rule = all_rules()["SL000"]
        if rule.code not in settings[settings_index].enabled_codes():
            return FileResult(display)
        crash = Finding(
            rule.code,
            rule.name,
            rule.severity,
            "the parser crashed on this file (it is probably nested too deeply to analyse)",
            display,
            1,
            1,
            1,
            1,
        )
        return FileResult(display, findings=[crash])


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def index_project(
    paths: list[Path], root: Path, jobs: int, cache_dir: Path | None, python: str | None = None
) -> Project:
    """Pass 1: summarise every file for the project index, in worker processes when it pays."""
    if jobs <= 1 or sum(_size(str(p)) for p in paths) < _PARALLEL_THRESHOLD_BYTES * 4:
        return build_project(paths, root, cache_dir=cache_dir, python=python)
    with workers.pool(jobs) as pool:
        return build_project(
            paths,
            root,
            map_fn=lambda fn, *args: pool.map(fn, *args, chunksize=16),
            cache_dir=cache_dir,
            python=python,
        )
