"""Rules from other packages: entry points, `plugins = [...]`, their errors, and every surface a
plugin's rule reaches (selection, options, suppressions, formats, `rules`/`explain`, workers, cache)."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from lsprotocol.types import PositionEncodingKind
from pygls.workspace import PositionCodec

from safelint import plugins, rule, runner, workers
from safelint.api import RunOptions, SettingsResolver, check_paths
from safelint.cli import main
from safelint.config import ConfigError, Overrides, Settings, parse_table
from safelint.formatters import FORMATS
from safelint.lsp import convert
from safelint.plugins import plugin_of
from safelint.rule import all_rules
from safelint.testing import check_source

DOCS = """
    ## What it does
    Reports the name `foo`.

    ## Why is this a bug
    Test only.

    ## Example
    ```python
    foo
    ```

    ## Use instead
    ```python
    bar
    ```

    ## Options
    - `words`: more names to report.

    ## Known limits
    None.
"""


def rule_source(
    code: str = "ACME101",
    name: str = "forbidden-word",
    *,
    cls: str = "ForbiddenWord",
    docs: str = DOCS,
    message: str = '"the word " + node.value',
    extra: str = "",
) -> str:
    """A plugin module with one rule that reports the name ``foo`` (and its ``words`` option's)."""
    return textwrap.dedent(
        f'''
        import multiprocessing

        import libcst as cst

        from safelint.results import Severity
        from safelint.rule import Option, Rule


        class {cls}(Rule):
            """{textwrap.indent(textwrap.dedent(docs), "            ").strip()}
            """

            code = "{code}"
            name = "{name}"
            severity = Severity.WARNING
            summary = "Test only."
            options = (Option("words", list, (), "more names to report"),)
            {extra}

            def visit_Name(self, node, ctx):
                if node.value == "foo" or node.value in self.settings["words"]:
                    ctx.report(self, node, {message})
        '''
    )


@dataclass
class Lab:
    """A folder on the import path to write plugin modules and distributions into."""

    site: Path
    modules: list[str]

    def module(self, name: str, source: str) -> None:
        path = self.site / Path(*name.split("."))
        for depth in range(1, len(name.split("."))):
            package = self.site / Path(*name.split(".")[:depth]) / "__init__.py"
            package.parent.mkdir(parents=True, exist_ok=True)
            package.touch()
        path.with_suffix(".py").write_text(source, encoding="utf-8")
        self.modules.append(name.split(".")[0])

    def distribution(self, name: str, version: str, entry_points: dict[str, str]) -> None:
        info = self.site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
        lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[safelint.rules]\n{lines}", encoding="utf-8")

    def env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.site), "SAFELINT_CACHE_DIR": str(self.site.parent / "cache")}


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """Plugins loaded in a test are forgotten after it: the registry, the loader's state and the
    imported modules are put back as they were."""
    all_rules()
    saved = dict(rule._REGISTRY)
    state = plugins._state
    monkeypatch.setattr(
        plugins,
        "_state",
        plugins._State(
            dict(state.by_module),
            dict(state.by_code),
            dict(state.failed),
            state.entry_points_started,
            state.entry_point_error,
        ),
    )
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    created = Lab(site, [])
    yield created
    rule._REGISTRY.clear()
    rule._REGISTRY.update(saved)
    for name in list(sys.modules):
        if name.split(".")[0] in created.modules:
            del sys.modules[name]


def codes(source: str) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in check_source(source))


def config_error(table: dict[str, object], tmp_path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_table(table, tmp_path / "safelint.toml")
    return str(caught.value)


# ------------------------------------------------------------------ `plugins = [...]`


def test_a_configured_plugin_rule_is_on_by_default_and_selected_like_a_builtin(lab: Lab) -> None:
    lab.module("acme_words", rule_source())
    on = '# safelint-config: plugins = ["acme_words"]\n'
    assert codes(on + "foo\n") == [(2, "ACME101")]
    assert codes(on + '# safelint-config: select = ["SL"]\nfoo\n') == []
    assert codes(on + '# safelint-config: select = ["ACME"]\nfoo\n') == [(3, "ACME101")]
    assert codes(on + '# safelint-config: select = ["ACME1"]\nfoo\n') == [(3, "ACME101")]
    assert codes(on + '# safelint-config: ignore = ["ACME1"]\nfoo\n') == []
    assert codes(on + '# safelint-config: per-file-ignores = { "example.py" = ["ACME"] }\nfoo\n') == []
    assert plugin_of("ACME101") is not None and plugin_of("ACME101").name == "acme_words"  # type: ignore[union-attr]


def test_a_plugin_rule_takes_options_under_its_code(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_options", rule_source())
    on = '# safelint-config: plugins = ["acme_options"]\n'
    table = '# safelint-config: [rules.ACME101]\n# safelint-config: words = ["bar"]\n'
    assert codes(on + table + "bar\n") == [(4, "ACME101")]
    assert codes(on + "bar\n") == []
    problem = config_error({"plugins": ["acme_options"], "rules": {"ACME101": {"words": "bar"}}}, tmp_path)
    assert "`rules.ACME101.words` must be a list of strings" in problem
    problem = config_error({"plugins": ["acme_options"], "rules": {"ACME101": {"colour": 1}}}, tmp_path)
    assert "not an option of ACME101; allowed: words" in problem


def test_suppressions_work_for_plugin_codes(lab: Lab) -> None:
    lab.module("acme_quiet", rule_source())
    on = '# safelint-config: plugins = ["acme_quiet"]\n# safelint-config: extend-select = ["SL001"]\n'
    assert codes(on + "foo  # noqa: ACME101\n") == []
    assert codes(on + "foo  # safelint: ignore[ACME1] -- a reason\n") == []
    assert codes(on + "# safelint: ignore-file[ACME]\nfoo\n") == []
    assert codes(on + "x = 1  # noqa: ACME101\n") == [(3, "SL001")]  # suppresses nothing, like an SL code
    assert codes(on + "x = 1  # noqa: E501\n") == []  # another tool's code stays another tool's


def test_a_configured_plugin_serves_only_its_own_configuration(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_mine", rule_source())
    parse_table({"plugins": ["acme_mine"]}, tmp_path / "a" / "safelint.toml")
    other = Settings(root=tmp_path / "b")
    assert "ACME101" not in other.enabled_codes()
    assert "ACME101" not in other.available_rules()
    assert "matches no rule" in config_error({"select": ["ACME"]}, tmp_path)
    with pytest.raises(ConfigError, match="'ACME101' in --ignore matches no rule"):
        Overrides(ignore=("ACME101",)).apply(other)


def test_the_settings_digest_names_the_plugins(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_digest", rule_source())
    with_plugin = parse_table({"plugins": ["acme_digest"], "select": ["SL1"]}, tmp_path / "safelint.toml")
    without = parse_table({"select": ["SL1"]}, tmp_path / "safelint.toml")
    assert with_plugin.enabled_codes() == without.enabled_codes()
    assert with_plugin.digest() != without.digest()


# ------------------------------------------------------------------ what makes a plugin unusable


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (rule_source("SL901"), "the code SL901 starts with SL, which is reserved for safelint's own rules"),
        (rule_source("acme1"), "the code 'acme1' is not uppercase letters followed by digits (like ACME101)"),
        (rule_source("ACME"), "the code 'ACME' is not uppercase letters followed by digits"),
        (rule_source(name="Forbidden_Word"), "`name` must be kebab-case"),
        (rule_source(name="swallowed-exception"), "the name `swallowed-exception` is already the name of SL106"),
        (
            rule_source(docs="## What it does\nReports foo.\n\n## Example\n```python\nfoo\n```\n"),
            "the docstring lacks the section(s) ## Why is this a bug, ## Use instead, ## Options, ## Known limits",
        ),
        (
            rule_source() + rule_source(cls="Again"),
            "acme_bad.Again and acme_bad.ForbiddenWord both use the code ACME101",
        ),
        ("import libcst\n", "defines no rules"),
        ("raise RuntimeError('boom\\nagain')\n", "cannot be imported: RuntimeError: boom again"),
        ("import acme_not_installed_anywhere\n", "cannot be imported: ModuleNotFoundError"),
        (rule_source(extra="def visit_Nmae(self, node, ctx): pass"), "libcst has no node class 'Nmae'"),
    ],
    ids=[
        "sl-prefix",
        "lowercase",
        "no-digits",
        "name",
        "name-clash",
        "docs",
        "twice",
        "empty",
        "raises",
        "imports",
        "visit",
    ],
)
def test_an_unusable_plugin_is_a_configuration_error_naming_it(
    lab: Lab, tmp_path: Path, source: str, problem: str
) -> None:
    lab.module("acme_bad", source)
    before = dict(rule._REGISTRY)
    message = config_error({"plugins": ["acme_bad"]}, tmp_path)
    assert message.startswith(f"{tmp_path / 'safelint.toml'}: `plugins` in the top level: plugin acme_bad")
    assert problem in message
    assert "\n" not in message
    assert rule._REGISTRY == before  # nothing of a rejected plugin stays registered


def test_a_missing_plugin_says_which_interpreter_looked(tmp_path: Path) -> None:
    message = config_error({"plugins": ["acme_missing_plugin"]}, tmp_path)
    assert "plugin acme_missing_plugin cannot be imported: ModuleNotFoundError" in message
    assert f"(is it installed for {sys.executable}?)" in message


@pytest.mark.parametrize("value", [["not a module"], "acme", [1]])
def test_the_plugins_key_takes_module_names(tmp_path: Path, value: object) -> None:
    message = config_error({"plugins": value}, tmp_path)
    assert "`plugins`" in message and ("module name" in message or "must be a list of module names" in message)


def test_two_plugins_with_one_code_name_both(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_first", rule_source())
    lab.module("acme_second", rule_source(name="other-word"))
    message = config_error({"plugins": ["acme_first", "acme_second"]}, tmp_path)
    assert "plugin acme_second: acme_second.ForbiddenWord: the code ACME101 clashes with ACME101" in message
    assert "of plugin acme_first" in message


def test_a_plugin_may_subclass_a_builtin_rule_under_its_own_code(lab: Lab) -> None:
    source = rule_source().replace("class ForbiddenWord(Rule):", "class ForbiddenWord(MustUse):")
    source = "from safelint.rules.must_use import MustUse\n" + source.replace(
        "options = ", "options = MustUse.options + "
    )
    lab.module("acme_derived", source)
    assert codes('# safelint-config: plugins = ["acme_derived"]\nfoo\n') == [(2, "ACME101")]


# ------------------------------------------------------------------ entry points


def test_an_installed_plugin_is_found_through_its_entry_point(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    lab.module("acme_installed.rules", rule_source())
    lab.distribution("acme-installed", "1.2", {"acme": "acme_installed.rules"})
    monkeypatch.setattr(plugins, "_state", plugins._State())
    assert "ACME101" in all_rules()
    plugin = plugin_of("ACME101")
    assert plugin is not None and plugin.from_entry_point
    assert plugin.describe() == "plugin `acme` (module acme_installed.rules, acme-installed 1.2)"
    assert all_rules()["ACME101"].family() == "acme"
    assert "ACME101" in Settings(root=lab.site).enabled_codes()  # installed: every configuration has it
    assert codes("foo\n") == [(1, "ACME101")]


def test_an_entry_point_must_name_a_module(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    lab.module("acme_attr", rule_source())
    lab.distribution("acme-attr", "1.0", {"acme": "acme_attr:ForbiddenWord"})
    monkeypatch.setattr(plugins, "_state", plugins._State())
    with pytest.raises(ConfigError, match="an entry point of safelint.rules names a module, not 'acme_attr:Forbid"):
        all_rules()
    with pytest.raises(ConfigError):  # and keeps failing: no half-loaded registry is ever handed out
        all_rules()


# ------------------------------------------------------------------ the command line, in process


@pytest.fixture
def project(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lab.module("acme_cli", rule_source(extra='url = "https://example.com/ACME101"'))
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.safelint]\nplugins = ["acme_cli"]\n', encoding="utf-8")
    (root / "app.py").write_text("foo = 1\n", encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def test_rules_and_explain_show_a_configured_plugin(project: Path) -> None:
    listed = CliRunner().invoke(main, ["rules"])
    assert listed.exit_code == 0
    assert "ACME101  forbidden-word" in listed.stdout and " acme_cli " in listed.stdout
    explained = CliRunner().invoke(main, ["explain", "ACME101"])
    assert explained.exit_code == 0
    assert explained.stdout.startswith("ACME101 forbidden-word (warning, acme_cli)\n")
    assert "From the plugin acme_cli. Documentation: https://example.com/ACME101" in explained.stdout
    assert "## Known limits" in explained.stdout
    assert CliRunner().invoke(main, ["explain", "forbidden-word"]).exit_code == 0


@pytest.mark.parametrize("output_format", sorted(FORMATS))
def test_every_format_reports_a_plugin_finding(project: Path, output_format: str) -> None:
    result = CliRunner().invoke(main, ["check", "--no-cache", "-j", "1", "--format", output_format, "app.py"])
    assert result.exit_code == 1, result.output
    assert "ACME101" in result.stdout
    if output_format == "sarif":
        described = json.loads(result.stdout)["runs"][0]["tool"]["driver"]["rules"]
        descriptor = next(d for d in described if d["id"] == "ACME101")
        assert descriptor["helpUri"] == "https://example.com/ACME101"
        assert descriptor["properties"]["tags"] == ["acme_cli"]


def test_the_editor_links_a_plugin_rule_to_its_own_page_or_to_none(lab: Lab) -> None:
    lab.module("acme_linked", rule_source(extra='url = "https://example.com/ACME101"'))
    lab.module("acme_unlinked", rule_source("ACME201", "other-word"))
    on = '# safelint-config: plugins = ["acme_linked", "acme_unlinked"]\nfoo\n'
    lines = convert.split_lines(on)
    links = {
        f.code: convert.diagnostic(f, PositionCodec(PositionEncodingKind.Utf16), lines).code_description
        for f in check_source(on)
    }
    assert links["ACME101"] is not None and links["ACME101"].href == "https://example.com/ACME101"
    assert links["ACME201"] is None


def test_an_unknown_plugin_stops_every_command_with_one_line(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.safelint]\nplugins = ["acme_nowhere"]\n', encoding="utf-8")
    for args in (["check", "--no-cache", "app.py"], ["rules"], ["explain", "SL106"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"safelint: error: {project / 'pyproject.toml'}: `plugins` in [tool.safelint]")
        assert "plugin acme_nowhere cannot be imported: ModuleNotFoundError" in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output


# ------------------------------------------------------------------ real processes


def safelint(lab: Lab, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "safelint", *args]
    return subprocess.run(command, cwd=cwd, env=lab.env(), capture_output=True, text=True, timeout=300)


def test_an_installed_plugin_in_a_fresh_interpreter(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_fresh", rule_source())
    lab.distribution("acme-fresh", "2.0", {"acme": "acme_fresh"})
    (tmp_path / "app.py").write_text("foo = 1\n", encoding="utf-8")
    listed = safelint(lab, tmp_path, "rules")
    assert listed.returncode == 0 and "ACME101  forbidden-word" in listed.stdout
    assert (
        "From the plugin `acme` (module acme_fresh, acme-fresh 2.0)."
        in safelint(lab, tmp_path, "explain", "ACME101").stdout
    )
    checked = safelint(lab, tmp_path, "check", "--format", "json", "app.py")
    assert checked.returncode == 1
    assert [f["code"] for f in json.loads(checked.stdout)] == ["ACME101"]


def test_a_broken_installed_plugin_is_exit_2_and_one_line(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_broken", rule_source("SL950"))
    lab.distribution("acme-broken", "0.1", {"broken": "acme_broken"})
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    for args in (["check", "app.py"], ["rules"], ["server"]):
        result = safelint(lab, tmp_path, *args)
        assert result.returncode == 2, args
        assert result.stderr == (
            "safelint: error: plugin `broken` (module acme_broken, acme-broken 0.1): acme_broken.ForbiddenWord:"
            " the code SL950 starts with SL, which is reserved for safelint's own rules\n"
        )


def _big_project(lab: Lab, root: Path) -> None:
    """Enough source for the runner to use its worker pool, each file with one plugin finding."""
    lab.module("acme_where", rule_source(message='f"foo in a worker: {multiprocessing.parent_process() is not None}"'))
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.safelint]\nplugins = ["acme_where"]\n', encoding="utf-8")
    filler = "".join(f"value_{i} = {i}\n" for i in range(6000))
    for n in range(4):
        (root / f"module_{n}.py").write_text(filler + "foo = 1\n", encoding="utf-8")
    assert sum(p.stat().st_size for p in root.glob("*.py")) > runner._PARALLEL_THRESHOLD_BYTES


def test_forked_workers_run_a_configured_plugin(lab: Lab, tmp_path: Path) -> None:
    root = tmp_path / "big"
    _big_project(lab, root)
    serial = safelint(lab, root, "check", "--no-cache", "--jobs", "1", "--format", "json")
    parallel = safelint(lab, root, "check", "--no-cache", "--jobs", "2", "--format", "json")
    assert serial.returncode == parallel.returncode == 1, parallel.stderr
    assert {f["message"] for f in json.loads(serial.stdout)} == {"foo in a worker: False"}
    assert {f["message"] for f in json.loads(parallel.stdout)} == {"foo in a worker: True"}
    where = [(f["path"], f["line"], f["code"]) for f in json.loads(parallel.stdout)]
    assert where == [(f["path"], f["line"], f["code"]) for f in json.loads(serial.stdout)]
    assert len(where) == 4


def test_spawned_workers_import_a_configured_plugin(lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "big"
    _big_project(lab, root)
    monkeypatch.setattr(workers, "_context", lambda: multiprocessing.get_context("spawn"))
    result = check_paths([root], SettingsResolver(root, Overrides()), RunOptions(jobs=2, use_cache=False))
    assert [(f.code, f.message) for f in result.findings] == [("ACME101", "foo in a worker: True")] * 4
    assert not result.internal_errors


def test_an_edited_plugin_does_not_reuse_cached_results(lab: Lab, tmp_path: Path) -> None:
    lab.module("acme_cached", rule_source(message='"first words"'))
    root = tmp_path / "cached"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.safelint]\nplugins = ["acme_cached"]\n', encoding="utf-8")
    (root / "app.py").write_text("foo = 1\n", encoding="utf-8")
    first = safelint(lab, root, "check", "--format", "json", "app.py")
    assert [f["message"] for f in json.loads(first.stdout)] == ["first words"]
    lab.module("acme_cached", rule_source(message='"second words"'))
    second = safelint(lab, root, "check", "--format", "json", "app.py")
    assert [f["message"] for f in json.loads(second.stdout)] == ["second words"]
