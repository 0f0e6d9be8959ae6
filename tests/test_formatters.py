"""Every output format on one shared project (a finding, a parse error, an awkward file name):
SARIF against the official schema, JUnit through an XML parser, GitHub escaping, GitLab fields."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from safelint.cli import main
from safelint.fingerprint import line_hashes
from safelint.formatters import FORMATS, FormatOptions
from safelint.formatters.github import annotation
from safelint.output import write_atomically
from safelint.results import Finding, RunResult, Severity
from safelint.rule import all_rules

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "schemas"
SWALLOW = "def f(g):\n    try:\n        g()\n    except Exception:\n        pass\n"
# One bug of each family; the families whose rules exist today are reported.
EVERY_FAMILY = """import os, re, threading

counts = {}

def worker(key):
    counts[key] = counts.get(key, 0) + 1

def start():
    threading.Thread(target=worker, args=("a",)).start()

def home():
    return os.environ.get("HOME").lower()

def read(p):
    f = open(p)
    return f.read()

def run(g):
    try:
        g()
    except Exception:
        pass
"""
WEIRD = "weird, name%:x.py"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(EVERY_FAMILY)
    (tmp_path / WEIRD).write_text(SWALLOW)
    (tmp_path / "broken.py").write_text("def f(:\n    return 1\n")
    (tmp_path / "clean.py").write_text("x = 1\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, ["check", "--jobs", "1", *args])


def findings_json() -> list[dict[str, Any]]:
    result = invoke("--format", "json")
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_every_format_is_registered_and_renders_an_empty_run() -> None:
    assert set(FORMATS) == {"text", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit", "pylint"}
    for render in FORMATS.values():
        assert isinstance(render(RunResult(), FormatOptions()), str)


def test_sarif_is_valid_against_the_official_schema(project: Path) -> None:
    schema_path = SCHEMAS / "sarif-schema-2.1.0.json"
    if not schema_path.is_file():
        pytest.skip(f"the SARIF schema is not at {schema_path} (shared/ lies beside the clone in CI)")
    jsonschema = pytest.importorskip("jsonschema")
    result = invoke("--format", "sarif")
    assert result.exit_code == 1
    sarif = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(schema_path.read_text())).validate(sarif)
    found = findings_json()
    (run,) = sarif["runs"]
    assert len(run["results"]) == len(found) and {f["code"][:3] for f in found} >= {"SL0", "SL1"}


def test_sarif_fields_github_reads(project: Path) -> None:
    sarif = json.loads(invoke("--format", "sarif").stdout)
    (run,) = sarif["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "safelint" and driver["version"] and driver["informationUri"].startswith("https://")
    rule_ids = [r["id"] for r in driver["rules"]]
    enabled = [code for code, rule in all_rules().items() if rule.enabled_by_default]
    assert rule_ids == sorted(enabled), "every enabled rule is listed, fired or not"
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert rule["helpUri"].endswith(f"/docs/rules/{rule['id']}.md")
        assert rule["defaultConfiguration"]["level"] in {"error", "warning"}
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]
    by_uri = {}
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        location = res["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        by_uri[location["artifactLocation"]["uri"]] = res
        region = location["region"]
        assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"]
    assert set(by_uri) >= {"app.py", "broken.py", "weird%2C%20name%25%3Ax.py"}
    swallow = by_uri["weird%2C%20name%25%3Ax.py"]
    assert swallow["level"] == "warning"
    assert swallow["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 4,
        "startColumn": 5,
        "endLine": 4,
        "endColumn": 21,
    }
    assert swallow["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(SWALLOW)[3]


def test_sarif_uris_are_relative_to_the_repository_not_the_working_directory(project: Path) -> None:
    sub = project / "pkg"
    sub.mkdir()
    (sub / "mod.py").write_text(SWALLOW)
    os.chdir(sub)
    sarif = json.loads(invoke("--format", "sarif", "mod.py").stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "pkg/mod.py"


GITHUB_VECTORS = [
    # GitHub's own expectations for its upload action's line hashes.
    ("", ["c129715d7a2bc9a3:1"]),
    (" a\nb\n  \t\tc\n d", ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
    (
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), GITHUB_VECTORS)
def test_primary_location_line_hash_matches_githubs(text: str, expected: list[str]) -> None:
    assert line_hashes(text) == expected


def test_line_hash_ignores_indentation_and_line_endings() -> None:
    assert line_hashes("a = 1\nb = 2\n") == line_hashes("a=1\r\n    b=2\r\n")


def test_junit_parses_with_one_case_per_file_and_a_failure_per_finding(project: Path) -> None:
    result = invoke("--format", "junit")
    root = ET.fromstring(result.stdout)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"app.py", "broken.py", "clean.py", WEIRD}
    assert list(cases["clean.py"]) == []
    failures = [f for c in cases.values() for f in c.iter("failure")]
    assert len(failures) == len(findings_json())
    (weird,) = cases[WEIRD].iter("failure")
    assert weird.get("type") == "SL106" and "4:5" in (weird.text or "")
    suite = root.find("testsuite")
    assert suite is not None and suite.get("tests") == "4"


def finding(path: str, message: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding("SL106", "swallowed-exception", severity, message, path, 3, 2, 4, 7)


def test_github_escapes_data_and_properties() -> None:
    line = annotation(finding("dir/a,b:c%d\r\ne.py", "100% bad,\r\nreally: yes"))
    assert line.startswith("::error file=dir/a%2Cb%3Ac%25d%0D%0Ae.py,line=3,col=2,endLine=4,endColumn=7,")
    assert line.endswith(",title=SL106 swallowed-exception::SL106 100%25 bad,%0D%0Areally: yes")
    assert "\n" not in line and "\r" not in line


def test_github_format_on_a_project(project: Path) -> None:
    lines = invoke("--format", "github").stdout.splitlines()
    assert len(lines) == len(findings_json())
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert any("file=weird%2C name%25%3Ax.py,line=4,col=5" in line for line in lines)


def test_gitlab_fields_and_unique_stable_fingerprints(project: Path) -> None:
    (project / "twice.py").write_text(SWALLOW + "\n" + SWALLOW.replace("f(g)", "h(g)"))
    issues = json.loads(invoke("--format", "gitlab").stdout)
    assert len(issues) == len(findings_json())
    for issue in issues:
        assert issue["description"] and issue["check_name"].startswith("SL")
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["path"], str) and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    # Lines inserted above do not change a fingerprint.
    before = {i["location"]["path"]: i["fingerprint"] for i in issues if i["location"]["path"] == WEIRD}
    (project / WEIRD).write_text("import os\n\n\n" + SWALLOW)
    after = {
        i["location"]["path"]: i["fingerprint"]
        for i in json.loads(invoke("--format", "gitlab").stdout)
        if i["location"]["path"] == WEIRD
    }
    assert before == after


def test_line_formats(project: Path) -> None:
    found = findings_json()
    lines = invoke("--format", "json-lines").stdout.splitlines()
    assert [json.loads(line) for line in lines] == found
    pylint = invoke("--format", "pylint").stdout.splitlines()
    assert f"{WEIRD}:4: [SL106] " in "\n".join(pylint) and len(pylint) == len(found)
    concise = invoke("--format", "concise").stdout.splitlines()
    assert concise[-1].startswith("Found ") and len(concise) == len(found) + 1
    assert any(line.startswith(f"{WEIRD}:4:5: SL106 [swallowed-exception] ") for line in concise)


def test_output_file_gets_the_report_and_the_terminal_the_summary(project: Path) -> None:
    result = invoke("--format", "sarif", "--output-file", "out/report.sarif")
    assert result.exit_code == 2 and "out/report.sarif" in result.output  # no such directory: nothing written
    assert not (project / "out").exists()
    result = invoke("--format", "sarif", "--output-file", "report.sarif")
    assert result.exit_code == 1
    assert result.stdout.startswith("Found ") and "finding" in result.stdout
    assert json.loads((project / "report.sarif").read_text())["version"] == "2.1.0"
    assert [p.name for p in project.iterdir() if p.name.startswith(".report")] == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    target.chmod(0o640)

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomically(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]
    monkeypatch.undo()
    write_atomically(target, "new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o777 == 0o640


def test_fail_on_error_ignores_warnings(project: Path) -> None:
    assert invoke(WEIRD).exit_code == 1
    assert invoke(WEIRD, "--fail-on", "error").exit_code == 0
    assert invoke("broken.py", "--fail-on", "error").exit_code == 1


def test_subprocess_sarif_and_github(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    sarif = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "--format", "sarif"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert sarif.returncode == 1 and sarif.stderr == ""
    assert json.loads(sarif.stdout)["runs"][0]["results"]
    github = subprocess.run(
        [sys.executable, "-m", "safelint", "check", "--format", "github", WEIRD],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert github.stdout.startswith("::warning file=weird%2C name%25%3Ax.py,line=4,")
