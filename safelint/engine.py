"""Check one file: decode, parse, one walk dispatching to every enabled rule, suppressions.

The engine never lets one file or one rule take the run down: a file that cannot be read,
decoded or parsed becomes an SL000 finding, and a rule that raises is reported as an internal
error (rule, file, one line) while the other rules' findings are kept.
"""

from __future__ import annotations

import fnmatch
import traceback
from collections.abc import Callable
from pathlib import Path

import libcst as cst
import pathspec

from safelint.analysis.deliberate import is_test_path
from safelint.analysis.syntax import using_tree, walk_scoped
from safelint.config import Settings
from safelint.context import ModuleContext
from safelint.project import Project
from safelint.results import FileResult, Finding
from safelint.rule import Rule, all_rules
from safelint.source import SourceError, decode, parse, read_source
from safelint.suppress import Suppression, apply_suppressions, parse_suppressions

Handler = Callable[[cst.CSTNode, ModuleContext], None]


class Checker:
    """Runs the rules enabled by one ``Settings`` over any number of files."""

    def __init__(self, settings: Settings, project: Project | None = None) -> None:
        self.settings = settings
        self.project = project
        rules = all_rules()
        self.enabled = settings.enabled_codes()
        self.rules = [rules[code](settings.options_for(code)) for code in sorted(self.enabled)]
        self._per_file = [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), pattern, codes)
            for pattern, codes in settings.per_file_ignores
        ]
        self._dispatch_cache: dict[frozenset[str], dict[type[cst.CSTNode], list[tuple[Rule, Handler]]]] = {}

    def ignored_for(self, path: Path) -> tuple[str, ...]:
        """Codes ``per-file-ignores`` turns off for this file."""
        try:
            rel = path.relative_to(self.settings.root).as_posix()
        except ValueError:
            rel = path.as_posix()
        ignored: list[str] = []
        for spec, pattern, codes in self._per_file:
            if spec.match_file(rel) or fnmatch.fnmatch(path.name, pattern):
                ignored.extend(codes)
        return tuple(ignored)

    def _dispatch(
        self, ignored: tuple[str, ...], test_file: bool = False
    ) -> dict[type[cst.CSTNode], list[tuple[Rule, Handler]]]:
        key = frozenset(ignored) | ({"<test file>"} if test_file else set())
        table = self._dispatch_cache.get(key)
        if table is None:
            table = {}
            node_classes = _node_classes()
            for rule in self.rules:
                if any(rule.code.startswith(i) for i in ignored) or (test_file and not rule.checks_test_files):
                    continue
                for attr in dir(rule):
                    if attr.startswith("visit_") and attr[6:] in node_classes:
                        table.setdefault(node_classes[attr[6:]], []).append((rule, getattr(rule, attr)))
            self._dispatch_cache[key] = table
        return table

    def check_path(self, path: Path, display: str) -> FileResult:
        try:
            data = read_source(path)
        except OSError as error:
            reason = error.strerror or str(error)
            return self._source_error(display, SourceError(f"cannot read the file: {reason}"), path)
        except SourceError as error:
            return self._source_error(display, error, path)
        return self.check_bytes(data, display, path, from_disk=True)

    def check_bytes(
        self, data: bytes, display: str, path: Path | None = None, *, from_disk: bool = False
    ) -> FileResult:
        """``from_disk``: ``data`` is what ``path`` holds on disk, so the index pass's parse of
        that file stands in for the guard against pathological nesting. Any other text for the
        path (stdin, an editor's buffer, a fix) gets the guard."""
        ignored = self.ignored_for(path) if path is not None else ()
        already_parsed = (
            from_disk and self.project is not None and path is not None and str(path) in self.project.index.parsed_files
        )
        try:
            text = decode(data)
            module = parse(text, guard=not already_parsed)
        except SourceError as error:
            return self._source_error(display, error, path)
        result = FileResult(display)
        ctx = ModuleContext(display, text, module, self.project, path)
        try:
            with using_tree(module):  # the rules' analyses walk this module many times over
                self._run_rules(ctx, ignored, result)
                findings = ctx.resolve()
        except RecursionError:
            return self._source_error(display, SourceError("the code is nested too deeply to analyse"), path)
        finally:
            ctx.close()
        deep = result.findings  # SL000 for rules the nesting defeated
        findings = [f for f in findings if not any(f.code.startswith(i) for i in ignored)]
        suppressions = parse_suppressions(text, honour_type_ignores=self.settings.honour_type_ignores)
        findings = apply_suppressions(findings, suppressions)
        findings.extend(self._suppression_findings(suppressions, display, ignored))
        findings.extend(deep)
        findings.sort(key=Finding.sort_key)
        result.findings = findings
        source_lines = text.splitlines()
        for finding in findings:
            for line in range(finding.line, min(finding.end_line, finding.line + 2) + 1):
                if 0 < line <= len(source_lines):
                    result.lines[line] = source_lines[line - 1]
        return result

    def _run_rules(self, ctx: ModuleContext, ignored: tuple[str, ...], result: FileResult) -> None:
        dispatch = self._dispatch(ignored, is_test_path(ctx.path))
        if not dispatch:
            return
        broken: set[str] = set()
        too_deep: list[str] = []
        get = dispatch.get

        def visit(node: cst.CSTNode) -> None:
            for rule, handler in get(type(node), ()):
                if rule.code in broken:
                    continue
                try:
                    handler(node, ctx)
                except RecursionError:  # a limit of the analysis on this file, not a bug
                    broken.add(rule.code)
                    too_deep.append(rule.code)
                    ctx.pending = [p for p in ctx.pending if p.rule.code != rule.code]
                except Exception as error:  # a bug in one rule must not cost the others
                    broken.add(rule.code)
                    ctx.pending = [p for p in ctx.pending if p.rule.code != rule.code]
                    result.internal_errors.append(_describe_internal_error(rule.code, ctx.path, error))

        visit(ctx.module)
        for top in ctx.module.body:
            ctx.current_top = top
            for node, scope in walk_scoped(top):
                if type(node) in dispatch:
                    ctx.scope = scope
                    visit(node)
        ctx.current_top = None
        ctx.scope = None
        if too_deep:
            message = f"the code is nested too deeply for {', '.join(sorted(too_deep))} to analyse it"
            result.findings.extend(self._source_error(ctx.path, SourceError(message), ctx.file).findings)

    def _source_error(self, display: str, error: SourceError, path: Path | None) -> FileResult:
        result = FileResult(display)
        rule = all_rules()["SL000"]
        ignored = self.ignored_for(path) if path is not None else ()
        if "SL000" in self.enabled and not any("SL000".startswith(i) for i in ignored):
            result.findings.append(
                Finding(
                    code=rule.code,
                    name=rule.name,
                    severity=rule.severity,
                    message=error.message,
                    path=display,
                    line=error.line,
                    column=error.column,
                    end_line=error.line,
                    end_column=error.column,
                )
            )
        return result

    def _suppression_findings(
        self, suppressions: list[Suppression], display: str, ignored: tuple[str, ...]
    ) -> list[Finding]:
        rules = all_rules()
        out: list[Finding] = []

        def emit(code: str, s: Suppression, message: str) -> None:
            if code in self.enabled and not any(code.startswith(i) for i in ignored):
                rule = rules[code]
                out.append(
                    Finding(code, rule.name, rule.severity, message, display, s.line, s.column, s.line, s.end_column)
                )

        for s in suppressions:
            if s.from_type_checker:
                continue  # the type checker's mark: it may suppress nothing of ours and still be needed
            if self.settings.require_suppression_reason and not s.reason and not s.from_noqa:
                emit("SL002", s, "this suppression gives no reason; add one after ` -- `")
            if s.from_noqa and s.codes is None:
                continue  # a bare noqa may be meant for another tool
            unused = _unused_codes(s, self.enabled, rules)
            if unused:
                emit("SL001", s, f"this suppression suppresses nothing: {unused}")
        return out


def _unused_codes(s: Suppression, enabled: frozenset[str], rules: dict[str, type[Rule]]) -> str:
    if s.codes is None:
        return "" if s.used else "no finding on this line"
    problems = []
    for code in s.codes:
        if not any(c.startswith(code) for c in rules):
            problems.append(f"{code} is not a safelint code")
        elif not any(c.startswith(code) for c in enabled):
            problems.append(f"{code} is not enabled")
        elif not any(u.startswith(code) for u in s.used):
            problems.append(f"no {code} finding here")
    return "; ".join(problems)


def _describe_internal_error(code: str, path: str, error: BaseException) -> str:
    frame = traceback.extract_tb(error.__traceback__)[-1]
    where = f"{Path(frame.filename).name}:{frame.lineno}"
    return f"internal error in {code} on {path}: {type(error).__name__}: {error} (at {where})"


def _node_classes() -> dict[str, type[cst.CSTNode]]:
    """libcst's public node classes by name (``visit_<Name>`` refers to these)."""
    classes = {}
    for name in dir(cst):
        value = getattr(cst, name)
        if isinstance(value, type) and issubclass(value, cst.CSTNode):
            classes[name] = value
    return classes
