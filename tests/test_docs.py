"""The rule pages under docs/rules are generated from the rules' documentation and kept current."""

import subprocess
import sys
from pathlib import Path

from safelint.docs import DEFAULT_OUT, pages, rule_url, stale, write
from safelint.rule import all_rules

REPO = Path(__file__).resolve().parent.parent


def test_generated_rule_pages_are_current() -> None:
    problems = stale(REPO / "docs" / "rules")
    assert problems == [], f"stale rule pages {problems}: run `python -m safelint.docs`"


def test_every_rule_has_a_page_with_its_documentation() -> None:
    generated = pages()
    for code, rule in all_rules().items():
        page = generated[f"{code}.md"]
        assert page.splitlines()[1] == f"# {code} `{rule.name}`"
        assert rule.documentation() in page
        assert f"[{code}]({code}.md)" in generated["index.md"]
        assert rule_url(rule).endswith(f"docs/rules/{code}.md")


def test_write_then_check(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    write(out)
    assert stale(out) == []
    (out / "SL106.md").write_text("edited by hand\n")
    (out / "SL999.md").write_text("a rule that is gone\n")
    assert stale(out) == ["SL106.md", "SL999.md"]
    check = [sys.executable, "-m", "safelint.docs", "--check", "--out", str(out)]
    p = subprocess.run(check, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1 and "SL106.md" in p.stderr
    subprocess.run([sys.executable, "-m", "safelint.docs", "--out", str(out)], check=True, timeout=120)
    assert subprocess.run(check, timeout=120).returncode == 0
    assert not (out / "SL999.md").exists()


def test_default_output_is_the_repository_docs() -> None:
    assert DEFAULT_OUT == REPO / "docs" / "rules"
