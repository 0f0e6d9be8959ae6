"""The ``safelint`` command line: check, rules, explain."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import click

from safelint import __version__
from safelint.api import RunOptions, SettingsResolver, check_paths, check_source, follow_up
from safelint.baseline import BaselineError
from safelint.config import ConfigError, Overrides, find_config_file, load_settings
from safelint.discovery import DiscoveryError, display_path
from safelint.formatters import FORMATS, STATISTICS_FORMATS
from safelint.gitdiff import GitDiffError
from safelint.plugins import plugin_of
from safelint.reporting import EXIT_CLEAN, EXIT_ERROR, EXIT_INTERRUPTED, Presentation
from safelint.rule import Rule
from safelint.show_settings import render_json, render_text, settings_of


def _codes(value: tuple[str, ...]) -> tuple[str, ...]:
    """Accept ``--select SL1,SL4`` as well as repeated options."""
    return tuple(c.strip().upper() for item in value for c in item.split(",") if c.strip())


def _fail(message: str) -> None:
    click.echo(f"safelint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


class _Group(click.Group):
    """Turns an unexpected exception into one line on stderr and exit 2, never a traceback
    (set SAFELINT_DEBUG=1 to see it); Ctrl-C into exit 130 with nothing more on stdout (the
    workers are already killed: see ``workers``)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("safelint: interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except ConfigError as error:  # e.g. an installed plugin that cannot be loaded, met by any command
            click.echo(f"safelint: error: {error}", err=True)
            ctx.exit(EXIT_ERROR)
        except BrokenPipeError:  # `safelint explain X | head`: the reader left, nothing is wrong
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(EXIT_CLEAN)
        except Exception as error:
            if os.environ.get("SAFELINT_DEBUG"):
                raise
            click.echo(f"safelint: internal error: {type(error).__name__}: {error}", err=True)
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="safelint")
def main() -> None:
    """safelint finds the bugs Rust's compiler would catch: ignored errors, unchecked None,
    unlocked shared state and leaked resources."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
@click.option(
    "--format",
    "--output-format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="The report's format (--output-format is ruff's name for it).",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text formats: auto is on a terminal only, and never with NO_COLOR set.",
)
@click.option("--select", multiple=True, help="Rule codes or prefixes to check (replaces the configured set).")
@click.option("--extend-select", multiple=True, help="Rule codes or prefixes to check in addition.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes not to check.")
@click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help="Use this configuration file."
)
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Show how many findings each rule has, instead of each finding.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: the number of CPUs).")
@click.option(
    "--show-settings",
    is_flag=True,
    help="Show the settings the first PATH is checked with, and where each came from; check nothing.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary line (text format).")
@click.option("--stdin-filename", help="The path of the file whose text is read from standard input (`-`).")
@click.option("--exclude", multiple=True, help="Glob patterns to skip (replaces the configured list).")
@click.option("--extend-exclude", multiple=True, help="Glob patterns to skip in addition.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too.")
@click.option("--no-respect-gitignore", is_flag=True, help="Check files that .gitignore lists.")
@click.option(
    "--output-file",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to this file (whole or not at all); the summary still goes to the terminal.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning"]),
    default="warning",
    show_default=True,
    help="The lowest severity that makes the exit code 1.",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report only findings this baseline file does not record.",
)
@click.option(
    "--write-baseline",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Record every finding in this baseline file, and exit 0.",
)
@click.option(
    "--update-baseline",
    is_flag=True,
    help="With --baseline: remove the entries that no longer match a finding (never adds).",
)
@click.option(
    "--new-since",
    metavar="GIT_REV",
    help="Report only findings on lines changed since this git revision (untracked files count as new).",
)
@click.option(
    "--add-noqa",
    "--add-suppressions",
    "add_noqa",
    is_flag=True,
    help="Write `# safelint: ignore[CODE]` where each finding is suppressed, keeping existing comments; report nothing.",
)
@click.option("--fix", is_flag=True, help="Apply the safe fixes in place, then re-check.")
@click.option(
    "--fix-only",
    is_flag=True,
    help="Apply the fixes, report nothing but what was fixed, and exit 0 (with --diff: print them).",
)
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that may change behaviour (with --fix or --diff).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them.")
@click.option("--show-fixes", is_flag=True, help="List each fix applied (or, with --diff, that would be).")
@click.option(
    "--python",
    "python",
    help="The interpreter of the checked project, whose installed stubs and typed packages safelint reads (default: the one running safelint).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache of results and index summaries.")
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="SAFELINT_CACHE_DIR",
    help="Where the cache lives (default: .safelint_cache in the project root).",
)
def check(
    paths: tuple[Path, ...],
    output_format: str,
    color: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    isolated: bool,
    exit_zero: bool,
    statistics: bool,
    jobs: int | None,
    show_settings: bool,
    quiet: bool,
    stdin_filename: str | None,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    force_exclude: bool,
    no_respect_gitignore: bool,
    output_file: Path | None,
    fail_on: str,
    baseline_path: Path | None,
    write_baseline: Path | None,
    update_baseline: bool,
    new_since: str | None,
    add_noqa: bool,
    fix: bool,
    fix_only: bool,
    unsafe_fixes: bool,
    show_diff: bool,
    show_fixes: bool,
    python: str | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """Check PATHS (files or directories; default `.`; `-` reads standard input)."""
    if statistics and output_format not in STATISTICS_FORMATS:
        _fail(f"--statistics works with --format {', '.join(STATISTICS_FORMATS)}; not with {output_format}")
    if update_baseline and baseline_path is None:
        _fail("--update-baseline needs --baseline FILE")
    if write_baseline is not None and (baseline_path is not None or new_since is not None):
        _fail("--write-baseline records every finding: it cannot be combined with --baseline or --new-since")
    cwd = Path.cwd()
    overrides = Overrides(
        select=_codes(select) if select else None,
        extend_select=_codes(extend_select),
        ignore=_codes(ignore),
        exclude=exclude or None,
        extend_exclude=extend_exclude,
        jobs=jobs,
        respect_gitignore=False if no_respect_gitignore else None,
        python=python,
    )
    if config_path is not None and not config_path.is_file():
        _fail(f"{config_path}: no such configuration file")
    resolver = SettingsResolver(cwd, overrides, config_path.resolve() if config_path else None, isolated)
    options = RunOptions(
        jobs=jobs,
        force_exclude=force_exclude,
        use_cache=not no_cache,
        cache_dir=cache_dir.resolve() if cache_dir else None,
        fix=(fix or fix_only) and not show_diff,
        diff=show_diff,
        unsafe_fixes=unsafe_fixes,
        show_fixes=show_fixes,
        write_baseline=write_baseline,
        baseline=baseline_path,
        update_baseline=update_baseline,
        new_since=new_since,
        add_noqa=add_noqa,
    )
    targets = list(paths) or [Path(".")]
    _check_modes(
        targets,
        {
            "--write-baseline": write_baseline is not None,
            "--add-noqa": add_noqa,
            "--fix-only": fix_only,
            "--fix": fix,
            "--diff": show_diff,
        },
    )
    if Path("-") in targets and targets != [Path("-")]:
        _fail("`-` (standard input) cannot be combined with other paths")
    if show_settings:
        _show_settings(targets[0] if targets[0] != Path("-") else Path(stdin_filename or "."), resolver, output_format)
    try:
        if targets == [Path("-")]:
            stdin_path = cwd / stdin_filename if stdin_filename else None
            display = display_path(stdin_path, cwd) if stdin_path else "-"
            result = check_source(sys.stdin.buffer.read(), display, resolver, stdin_path, options)
        else:
            result = check_paths(targets, resolver, options, _progress_factory(quiet))
            if not result.files_checked and not result.internal_errors:
                shown = " ".join(str(t) for t in targets)
                click.echo(f"safelint: warning: no Python files found under {shown}", err=True)
        follow_up(result, resolver, options)
    except (ConfigError, DiscoveryError, GitDiffError, BaselineError) as error:
        _fail(str(error))
        return
    except OSError as error:  # writing a fixed file or a baseline
        where = f"{error.filename}: " if error.filename else ""
        _fail(f"{where}{error.strerror or error}")
        return
    if fix_only and not show_diff and not result.fixes:
        result.notes.insert(0, "No fixes applied.")
    presentation = Presentation(
        output_format,
        output_file,
        color,
        statistics,
        quiet,
        unsafe_fixes,
        exit_zero,
        fail_on,
        diff=show_diff,
        notes_only=write_baseline is not None or add_noqa or fix_only,
    )
    sys.exit(presentation.show(result))


def _show_settings(target: Path, resolver: SettingsResolver, output_format: str) -> None:
    path = resolver.cwd / target
    if not path.exists():
        _fail(f"{target}: no such file or directory")
    try:
        data = settings_of(path, resolver)
    except ConfigError as error:
        _fail(str(error))
        return
    data["path"] = display_path(path, resolver.cwd)
    click.echo(render_json(data) if output_format == "json" else render_text(data), nl=False)
    sys.exit(EXIT_CLEAN)


# What each option that changes files or replaces the report cannot be combined with.
_CLASHES = {
    "--write-baseline": ("--add-noqa", "--fix-only"),
    "--add-noqa": ("--fix", "--fix-only", "--diff"),
}
_ON_FILES = ("--fix", "--fix-only", "--diff", "--add-noqa")


def _check_modes(targets: list[Path], given: dict[str, bool]) -> None:
    for option, clashes in _CLASHES.items():
        both = [other for other in clashes if given[option] and given[other]]
        if both:
            _fail(f"{option} cannot be combined with {both[0]}")
    on_files = [option for option in _ON_FILES if given[option]]
    if on_files and Path("-") in targets:
        _fail(f"{on_files[0]} works on files: it cannot be used with standard input")


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
    """List every rule: code, name, family (a plugin's name for its rules), summary."""
    rules = _known_rules()
    width = max(len(r.name) for r in rules.values())
    code_width = max(len(code) for code in rules)
    for code, rule in rules.items():
        default = "" if rule.enabled_by_default else " (opt-in)"
        click.echo(f"{code:<{code_width}}  {rule.name:<{width}}  {rule.family():<12} {rule.summary}{default}")


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show the documentation of the rule CODE (e.g. SL106, or its name)."""
    rules = _known_rules()
    rule = rules.get(code.upper()) or next((r for r in rules.values() if r.name == code), None)
    if rule is None:
        _fail(f"{code}: no such rule; `safelint rules` lists them")
        return
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value}, {rule.family()})\n")
    plugin = plugin_of(rule.code)
    if plugin is not None:
        click.echo(f"From the {plugin.describe()}." + (f" Documentation: {rule.url}" if rule.url else "") + "\n")
    click.echo(f"{rule.summary}\n")
    click.echo(rule.documentation())


def _known_rules() -> dict[str, type[Rule]]:
    """The rules a check from here would know: safelint's, the installed plugins', and those of
    the plugins the configuration governing the current directory names."""
    cwd = Path.cwd()
    try:
        return load_settings(find_config_file(cwd), cwd).available_rules()
    except ConfigError as error:
        _fail(str(error))
        return {}


@main.command()
def server() -> None:
    """Run the language server over standard input and output (for editors)."""
    from safelint.lsp.server import main as serve

    serve()


@main.command()
@click.argument("names", nargs=-1, required=True)
@click.option("--python", "python", help="The interpreter whose installed stubs and typed packages to read.")
def knowledge(names: tuple[str, ...], python: str | None) -> None:
    """Show what safelint knows about NAMES (e.g. re.match, open), from typeshed and installed stubs."""
    from safelint.analysis.facts.knowledge import Knowledge

    try:
        kb = Knowledge.load(python=python)
    except Exception as error:  # an interpreter that cannot be asked is a usage error, not a crash
        _fail(f"cannot load the knowledge base: {error}")
        return
    for name in names:
        click.echo(kb.describe(name))
