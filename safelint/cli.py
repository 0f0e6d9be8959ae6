"""The ``safelint`` command line: check, rules, explain."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from safelint import __version__
from safelint.api import RunResult, SettingsResolver, check_paths, check_source
from safelint.config import ConfigError, Overrides
from safelint.discovery import DiscoveryError, display_path
from safelint.formatters import FORMATS, FormatOptions
from safelint.rule import all_rules

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: tuple[str, ...]) -> tuple[str, ...]:
    """Accept ``--select SL1,SL4`` as well as repeated options."""
    return tuple(c.strip().upper() for item in value for c in item.split(",") if c.strip())


def _fail(message: str) -> None:
    click.echo(f"safelint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="safelint")
def main() -> None:
    """safelint finds the bugs Rust's compiler would catch: ignored errors, unchecked None,
    unlocked shared state and leaked resources."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text", show_default=True)
@click.option("--select", multiple=True, help="Rule codes or prefixes to check (replaces the configured set).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to check in addition.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes not to check.")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Show how many findings each rule has, instead of each finding.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (text format).")
@click.option("--stdin-filename", help="The path of the file whose text is read from standard input (`-`).")
@click.option("--exclude", multiple=True, help="Glob patterns to skip (replaces the configured list).")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to skip in addition.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--no-respect-gitignore", is_flag=True, help="Check files that .gitignore lists.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    isolated: bool,
    exit_zero: bool,
    statistics: bool,
    jobs: int | None,
    quiet: bool,
    stdin_filename: str | None,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    no_respect_gitignore: bool,
) -> None:
    """Check PATHS (files or directories; default `.`; `-` reads standard input)."""
    cwd = Path.cwd()
    overrides = Overrides(
        select=_codes(select) if select else None,
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        exclude=exclude or None,
        extend_exclude=extend_exclude,
        jobs=jobs,
        respect_gitignore=False if no_respect_gitignore else None,
    )
    if config_path is not None and not config_path.is_file():
        _fail(f"{config_path}: no such configuration file")
    resolver = SettingsResolver(cwd, overrides, config_path.resolve() if config_path else None, isolated)
    targets = list(paths) or [Path(".")]
    try:
        if targets == [Path("-")]:
            stdin_path = cwd / stdin_filename if stdin_filename else None
            display = display_path(stdin_path, cwd) if stdin_path else "-"
            result = check_source(sys.stdin.buffer.read(), display, resolver, stdin_path)
        elif Path("-") in targets:
            _fail("`-` (standard input) cannot be combined with other paths")
            return
        else:
            result = check_paths(targets, resolver, jobs, force_exclude, _progress_factory(quiet))
    except (ConfigError, DiscoveryError) as error:
        _fail(str(error))
        return
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    options = FormatOptions(color=color, statistics=statistics, quiet=quiet)
    click.echo(FORMATS[output_format](result, options), nl=False)
    sys.exit(_exit_code(result, exit_zero))


def _exit_code(result: RunResult, exit_zero: bool) -> int:
    for message in result.internal_errors:
        click.echo(f"safelint: {message}", err=True)
    if result.internal_errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if result.findings and not exit_zero else EXIT_CLEAN


def _progress_factory(quiet: bool) -> Callable[[int], Callable[[], None] | None]:
    """A progress bar on a terminal for runs of many files; never on a pipe."""

    def start(count: int) -> Callable[[], None] | None:
        if quiet or count < 200 or not sys.stderr.isatty():
            return None
        bar = click.progressbar(length=count, label="checking", file=sys.stderr, show_pos=True)
        bar.__enter__()
        seen = [0]

        def step() -> None:
            seen[0] += 1
            bar.update(1)
            if seen[0] == count:
                bar.__exit__(None, None, None)

        return step

    return start


@main.command(name="rules")
def list_rules() -> None:
    """List every rule: code, name, family, summary."""
    rules = all_rules()
    width = max(len(r.name) for r in rules.values())
    for code, rule in rules.items():
        default = "" if rule.enabled_by_default else " (opt-in)"
        click.echo(f"{code}  {rule.name:<{width}}  {rule.family():<12} {rule.summary}{default}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of the rule CODE (e.g. SL106, or its name)."""
    rules = all_rules()
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if rule is None:
        _fail(f"{code}: no such rule; `safelint rules` lists them")
        return
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}, {rule.family()})\n")
    click.echo(f"{rule.summary}\n")
    click.echo(rule.documentation())


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--python", "python", help="The interpreter whose installed stubs and typed packages to read.")
def knowledge(names: tuple[str, ...], python: str | None) -> None:
    """Show what safelint knows about NAMES (e.g. re.match, open), from typeshed and installed stubs."""
    from safelint.analysis.knowledge import Knowledge

    try:
        kb = Knowledge.load(python=python)
    except Exception as error:  # an interpreter that cannot be asked is a usage error, not a crash
        _fail(f"cannot load the knowledge base: {error}")
        return
    for name in names:
        click.echo(kb.describe(name))
