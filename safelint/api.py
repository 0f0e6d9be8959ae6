"""The programmatic entry point: the CLI and the language server both call this, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from safelint import runner
from safelint.analysis.facts.knowledge import KnowledgeError
from safelint.cache import ResultCache
from safelint.config import ConfigError, Overrides, Settings, find_config_file, load_settings
from safelint.discovery import SourceFile, discover
from safelint.engine import Checker
from safelint.project import CACHE_DIR_NAME, build_project, knowledge
from safelint.results import RunResult
from safelint.source import SourceError, decode


class SettingsResolver:
    """Finds and loads the configuration governing a path, each file loaded once."""

    def __init__(self, cwd: Path, overrides: Overrides, config: Path | None = None, isolated: bool = False) -> None:
        self.cwd = cwd
        self.overrides = overrides
        self.config = config
        self.isolated = isolated
        self._loaded: dict[Path | None, Settings] = {}

    def __call__(self, path: Path) -> Settings:
        if self.isolated:
            config_path = None
        elif self.config is not None:
            config_path = self.config
        else:
            config_path = find_config_file(path)
        if config_path not in self._loaded:
            self._loaded[config_path] = self.overrides.apply(load_settings(config_path, self.cwd))
        return self._loaded[config_path]


def check_paths(
    paths: list[Path],
    resolver: SettingsResolver,
    jobs: int | None = None,
    force_exclude: bool = False,
    on_files: Callable[[int], Callable[[], None] | None] | None = None,
    use_cache: bool = True,
    cache_dir: Path | None = None,
) -> RunResult:
    """Check files and directories; ``on_files(count)`` may return a per-file progress callback.

    Cross-module facts come from an index of the whole project (the directory of the
    configuration file, or the repository root), not only of the files named: pre-commit
    passes just the staged files.
    """
    files: list[SourceFile] = discover(paths, resolver, resolver.cwd, force_exclude)
    if jobs is None:
        jobs = next((f.settings.jobs for f in files if f.settings.jobs), None) or runner.default_jobs()
    root = files[0].settings.root if files else resolver.cwd
    cache = (cache_dir or root / CACHE_DIR_NAME) if use_cache else None
    python = files[0].settings.python if files else resolver(resolver.cwd).python
    project = runner.index_project(_index_paths(files, root, resolver), root, jobs, cache, python)
    try:
        kb = knowledge(python)  # loaded (and its cache written) once here, inherited by the workers
    except KnowledgeError as error:
        raise ConfigError(f"cannot read the stubs of the interpreter {python}: {error}") from None
    progress = on_files(len(files)) if on_files else None

    def cache_for(settings: Settings) -> ResultCache:
        key = ResultCache.run_key_for(settings.digest(), project.index.digest, kb.key)
        return ResultCache(cache or root / CACHE_DIR_NAME, key)

    every_settings = {id(f.settings): f.settings for f in files} or {0: resolver(resolver.cwd)}
    enabled = sorted(set().union(*(s.enabled_codes() for s in every_settings.values())))
    result = RunResult(enabled_rules=enabled)
    for file_result in runner.run(files, jobs, project, progress, cache_for if cache else None):
        result.add(file_result)
    return result.finish()


def _index_paths(files: list[SourceFile], root: Path, resolver: SettingsResolver) -> list[Path]:
    """The files of the whole project when there is one (a configured or repository root)."""
    checked = [f.path for f in files]
    settings = files[0].settings if files else None
    if settings is None or not (settings.config_path is not None or (root / ".git").exists()):
        return checked
    project_files = [f.path for f in discover([root], resolver, resolver.cwd)]
    return sorted(set(project_files) | set(checked))


def check_source(data: bytes, display: str, resolver: SettingsResolver, path: Path | None = None) -> RunResult:
    """Check one buffer (stdin, or an editor's unsaved text) as if it were the file at ``path``."""
    settings = resolver(path if path is not None else resolver.cwd)
    result = RunResult(enabled_rules=sorted(settings.enabled_codes()))
    project = build_project(
        [path] if path is not None and path.is_file() else [], settings.root, python=settings.python
    )
    result.add(Checker(settings, project).check_bytes(data, display, path))
    try:
        result.sources[display] = decode(data)
    except SourceError:
        pass  # an undecodable buffer has only an SL000 finding, which needs no fingerprint text
    return result.finish()
