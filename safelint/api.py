"""The one door: the command line, the language server and ``--fix`` check code only through
these functions, so a file is checked with the same project (root, configuration, index,
cache) and gives the same findings whichever way it comes in.

A run is a check (``check_paths``, ``check_source``) and then the steps ``follow_up`` takes as
the options ask: fixes, a baseline written or applied, ``--new-since``; each adds its notes.
"""

from __future__ import annotations

import io
import os
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from safelint import runner
from safelint.analysis.facts.knowledge import Knowledge, KnowledgeError
from safelint.baseline import Baseline
from safelint.cache import ResultCache
from safelint.config import ConfigError, Overrides, Settings
from safelint.discovery import SourceFile, discover, display_path
from safelint.engine import Checker
from safelint.fixes import (
    allowed,
    apply_edits,
    apply_fixes,
    fix_file,
    fix_notes,
    fixable_note,
    parses,
    read_for_rewrite,
)
from safelint.gitdiff import changed_since
from safelint.output import plural, write_atomically
from safelint.project import CACHE_DIR_NAME, Project, SettingsResolver, find_root, knowledge
from safelint.results import FileFix, Finding, RunResult
from safelint.source import SourceError, decode
from safelint.suppress import scan, suppression_edits

__all__ = [
    "RunOptions",
    "SettingsResolver",
    "add_suppressions",
    "allowed",
    "apply_baseline",
    "apply_fixes",
    "check_paths",
    "check_source",
    "fix",
    "follow_up",
    "keep_new_since",
    "open_project",
    "write_baseline",
]


@dataclass(frozen=True)
class RunOptions:
    """How to run besides what to check: processes and cache, then the steps after the check."""

    jobs: int | None = None
    force_exclude: bool = False
    use_cache: bool = True
    cache_dir: Path | None = None
    fix: bool = False
    diff: bool = False  # compute the fixes, write nothing
    unsafe_fixes: bool = False
    show_fixes: bool = False
    write_baseline: Path | None = None
    baseline: Path | None = None
    update_baseline: bool = False
    new_since: str | None = None
    add_noqa: bool = False


def open_project(
    root: Path,
    resolver: SettingsResolver,
    options: RunOptions = RunOptions(),
    also: Iterable[Path] = (),
    walk: bool = True,
) -> Project:
    """Index the project at ``root``: the files discovery finds there (unless the caller has just
    walked ``root`` and passes them as ``also``), plus ``also`` (files named, even if excluded)."""
    settings = resolver(root)
    found = [f.path for f in discover([root], resolver, resolver.cwd)] if walk else []
    cache = (options.cache_dir or root / CACHE_DIR_NAME) if options.use_cache else None
    jobs = options.jobs or settings.jobs or runner.default_jobs()
    project = runner.index_project(sorted(set(found).union(also)), root, jobs, cache, settings.python)
    _knowledge(project)  # loaded (and its cache written) here, before workers fork and inherit it
    return project


def check_paths(
    paths: Sequence[str | os.PathLike[str]],
    resolver: SettingsResolver | None = None,
    options: RunOptions = RunOptions(),
    on_files: Callable[[int], Callable[[], None] | None] | None = None,
) -> RunResult:
    """Check files and directories, with the configuration ``resolver`` finds for each (by
    default, as ``safelint check`` run here finds it); ``on_files(count)`` may return a per-file
    progress callback.

    Each named path is checked with the whole project it lies in (see ``find_root``), not only
    the files named: pre-commit passes just the staged files.
    """
    resolver = resolver or SettingsResolver(Path.cwd(), Overrides())
    problems: list[str] = []
    groups = _by_project([Path(p) for p in paths], resolver, options.force_exclude, problems)
    every = [f for _, files in groups.values() for f in files]
    progress = on_files(len(every)) if on_files else None
    every_settings = {id(f.settings): f.settings for f in every} or {0: resolver(resolver.cwd)}
    result = RunResult(enabled_rules=sorted(set().union(*(s.enabled_codes() for s in every_settings.values()))))
    result.internal_errors.extend(problems)
    for root, (named, files) in groups.items():
        if not files:
            continue
        project = open_project(root, resolver, options, [f.path for f in files], walk=root not in named)
        jobs = options.jobs or next((f.settings.jobs for f in files if f.settings.jobs), None) or runner.default_jobs()
        for file_result in runner.run(files, jobs, project, progress, _result_cache(project)):
            result.add(file_result, project)
    return result.finish()


def _by_project(
    paths: list[Path], resolver: SettingsResolver, force_exclude: bool, problems: list[str]
) -> dict[Path, tuple[set[Path], list[SourceFile]]]:
    """The named paths by project root, with the files found from them (each file once);
    named paths that cannot be checked go to ``problems``."""
    named: dict[Path, list[Path]] = {}
    for given in paths:
        named.setdefault(find_root(resolver.cwd / given), []).append(given)
    seen: set[Path] = set()
    groups = {}
    for root, group in named.items():
        files = [f for f in discover(group, resolver, resolver.cwd, force_exclude, problems) if f.path not in seen]
        seen.update(f.path for f in files)
        groups[root] = ({Path(os.path.abspath(resolver.cwd / p)) for p in group}, files)
    return groups


def _result_cache(project: Project) -> Callable[[Settings], ResultCache] | None:
    if project.cache_dir is None:
        return None
    directory, kb = project.cache_dir, _knowledge(project)
    return lambda settings: ResultCache(
        directory, ResultCache.run_key_for(settings.digest(), project.index.digest, kb.key)
    )


def _knowledge(project: Project) -> Knowledge:
    try:
        return knowledge(project.python)
    except KnowledgeError as error:
        raise ConfigError(f"cannot read the stubs of the interpreter {project.python}: {error}") from None


def check_source(
    source: str | bytes,
    display: str | None = None,
    resolver: SettingsResolver | None = None,
    path: str | os.PathLike[str] | None = None,
    options: RunOptions = RunOptions(),
    project: Project | None = None,
) -> RunResult:
    """Check one buffer (stdin, an editor's text) as if it were the file at ``path``, with
    ``project`` or else the project ``path`` (without one, the working directory) lies in.
    Findings name it ``display`` (by default ``path`` as ``safelint check`` shows it, or ``-``).
    Text is checked as the bytes it would be saved as, so a
    PEP 263 coding cookie in it still holds."""
    resolver = resolver or SettingsResolver(Path.cwd(), Overrides())
    data = source if isinstance(source, bytes) else _encode(source)
    path = Path(resolver.cwd, path) if path is not None else None
    display = display or (display_path(path, resolver.cwd) if path is not None else "-")
    where = path if path is not None else resolver.cwd
    if project is None:
        project = open_project(
            find_root(where), resolver, options, [path] if path is not None and path.is_file() else []
        )
    settings = resolver(where)
    result = RunResult(enabled_rules=sorted(settings.enabled_codes()))
    result.add(Checker(settings, project).check_bytes(data, display, path), project)
    try:
        result.sources[display] = decode(data)
    except SourceError:
        pass  # an undecodable buffer has only an SL000 finding, which needs no fingerprint text
    return result.finish()


def _encode(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return data if encoding in ("utf-8", "utf-8-sig") else text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data  # the engine reports what is wrong with it as SL000


def follow_up(result: RunResult, resolver: SettingsResolver, options: RunOptions) -> RunResult:
    """The steps after a check, in order: fixes (of files on disk: not for ``check_source``);
    then either a baseline written (and nothing else), or ``--new-since`` and a baseline
    applied; then the notes about fixes."""
    if options.fix or options.diff:
        result.fixes = fix(result, resolver, options.unsafe_fixes, write=not options.diff)
    if options.write_baseline is not None:
        write_baseline(result, options.write_baseline)
        return result
    if options.new_since is not None:
        keep_new_since(result, options.new_since, resolver.cwd)
    if options.baseline is not None:
        apply_baseline(result, options.baseline, options.update_baseline)
    if options.add_noqa:
        add_suppressions(result, resolver)
        return result
    result.notes.extend(fix_notes(result, options.diff, options.show_fixes))
    if not options.diff:
        result.hints.extend(fixable_note(result.findings, options.unsafe_fixes))
    return result


def fix(result: RunResult, resolver: SettingsResolver, unsafe: bool = False, write: bool = True) -> list[FileFix]:
    """Fix every file of ``result`` that has applicable fixes, re-checking each with the project it
    was checked with; with ``write``, rewrite the files and put the re-check's findings in ``result``."""
    by_path: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if allowed(finding.fix, unsafe):
            by_path.setdefault(finding.path, []).append(finding)
    done: list[FileFix] = []
    for display, findings in by_path.items():
        path = (resolver.cwd / display).resolve()
        checker = Checker(resolver(path), result.projects[display])
        outcome = fix_file(checker, path, display, findings, unsafe)
        if outcome is None or outcome.recheck is None:
            continue
        done.append(outcome)
        if write:
            write_atomically(path, outcome.after.encode(outcome.encoding))
            result.findings = [f for f in result.findings if f.path != display] + outcome.recheck.findings
            result.lines[display] = outcome.recheck.lines
            result.sources[display] = outcome.after
            result.internal_errors.extend(outcome.recheck.internal_errors)
    result.finish()
    return done


def add_suppressions(result: RunResult, resolver: SettingsResolver) -> None:
    """``--add-noqa``: a ``# safelint: ignore[CODE]`` where each finding of ``result`` is
    suppressed (see ``suppress.suppression_edits``), keeping the comments there. A file is
    rewritten atomically and only if it still parses; SL0xx (safelint's own) are left alone.
    The findings suppressed leave ``result``; a note says what was written."""
    wanted: dict[str, dict[int, set[str]]] = {}
    for finding in result.findings:
        if not finding.code.startswith("SL0"):
            wanted.setdefault(finding.path, {}).setdefault(finding.line, set()).add(finding.code)
    suppressed = lines_changed = files = 0
    for display, lines in wanted.items():
        path = (resolver.cwd / display).resolve()
        readable = read_for_rewrite(path)
        if readable is None:
            result.notes.append(f"{display}: not changed: its bytes would not survive a rewrite")
            continue
        text, encoding = readable
        edits = suppression_edits(text.split("\n"), scan(text), lines)
        if not edits:
            continue
        after = apply_edits(text, edits)
        if not parses(after):  # never expected: a comment at the end of a line is not code
            result.notes.append(f"{display}: not changed: it would no longer parse")
            continue
        write_atomically(path, after.encode(encoding))
        kept = [f for f in result.findings if f.path != display or f.code.startswith("SL0")]
        suppressed += len(result.findings) - len(kept)
        lines_changed += len(edits)
        files += 1
        result.findings = kept
    result.notes.append(
        f"Added suppressions of {plural(suppressed, 'finding')} on {plural(lines_changed, 'line')}"
        f" in {plural(files, 'file')}."
    )


def write_baseline(result: RunResult, path: Path) -> None:
    """Record every finding of ``result`` in the baseline file ``path``."""
    recorded = Baseline.record(path, result)
    recorded.write()
    result.notes.append(f"Recorded {plural(len(recorded.entries), 'finding')} in {path}.")


def apply_baseline(result: RunResult, path: Path, update: bool = False) -> None:
    """Hide the findings the baseline ``path`` records; with ``update``, drop its stale entries."""
    baseline = Baseline.read(path)
    outcome = baseline.apply(result)
    if outcome.hidden:
        result.notes.append(f"{plural(outcome.hidden, 'finding')} recorded in the baseline not shown.")
    if outcome.stale and update:
        baseline.without(outcome.stale).write()
        result.notes.append(f"Removed {plural(len(outcome.stale), 'fixed finding')} from the baseline {path}.")
    elif outcome.stale:
        result.notes.append(
            f"{plural(len(outcome.stale), 'fixed finding')} can be removed from the baseline (--update-baseline)."
        )


def keep_new_since(result: RunResult, revision: str, cwd: Path) -> None:
    """Hide the findings on lines unchanged since the git ``revision``."""
    hidden = changed_since(revision, cwd).keep_changed(result)
    if hidden:
        result.notes.append(f"{plural(hidden, 'finding')} on lines unchanged since {revision} not shown.")
