"""SL102's fix, applied: adding ``await`` makes the code re-check clean and keeps the rest intact."""

from __future__ import annotations

import textwrap

from safelint.fixes import apply_fixes
from safelint.results import Applicability, Finding
from safelint.testing import check_source


def apply(text: str, findings: list[Finding]) -> str:
    """The text after the fixes, applied as ``--fix`` applies them."""
    return apply_fixes(text, findings)[0]


SOURCE = textwrap.dedent(
    '''\
    """A module whose first statement spans lines,
    so that positions past it must be shifted."""
    import asyncio


    async def fetch(url):
        return url


    class Client:
        async def close(self):
            await asyncio.sleep(0)

        async def shutdown(self, urls):
            self.close()
            for url in urls:
                if url: fetch(url)
            asyncio.sleep(0.1)  # é: a comment after the call is kept
    '''
)


def test_adding_await_fixes_every_finding() -> None:
    findings = [f for f in check_source(SOURCE) if f.code == "SL102"]
    assert [f.line for f in findings] == [15, 17, 18]
    assert all(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in findings)
    fixed = apply(SOURCE, findings)
    assert "        await self.close()\n" in fixed
    assert "            if url: await fetch(url)\n" in fixed
    assert "        await asyncio.sleep(0.1)  # é: a comment after the call is kept\n" in fixed
    assert check_source(fixed) == []


def test_no_fix_outside_async_def() -> None:
    source = "import asyncio\n\n\ndef tick():\n    asyncio.sleep(1)\n"
    (finding,) = check_source(source)
    assert finding.code == "SL102" and finding.fix is None
