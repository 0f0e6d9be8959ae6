"""SL4: the with-block fix, and cases of the ownership analysis worth pinning beyond the fixtures."""

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
    """Docstring spanning
    two lines."""


    def load(path):
        f = open(path)  # the settings file
        data = f.read()

        f.close()
        return data


    def keep_string(path):
        f = open(path, "w")
        f.write("""a
    b""")
        f.close()
    '''
)


def codes(source: str) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in check_source(textwrap.dedent(source)) if f.code.startswith("SL4")]


def test_with_block_fix_rewrites_and_rechecks_clean() -> None:
    findings = [f for f in check_source(SOURCE) if f.code == "SL402"]
    assert [f.line for f in findings] == [6, 14]
    fixed = [f for f in findings if f.fix is not None]
    assert [f.line for f in fixed] == [6]  # a string spanning lines would be re-indented: no fix
    assert fixed[0].fix is not None and fixed[0].fix.applicability is Applicability.UNSAFE
    after = apply(SOURCE, fixed)
    assert "    with open(path) as f:  # the settings file\n        data = f.read()\n\n    return data" in after
    assert [f.line for f in check_source(after) if f.code == "SL402"] == [13]


def test_message_names_the_line_that_can_raise() -> None:
    (finding,) = [f for f in check_source(SOURCE) if f.code == "SL402" and f.line == 6]
    assert "line 7 can raise" in finding.message


def test_popen_timeout_idiom_from_the_documentation_is_clean() -> None:
    assert not codes(
        """
        import subprocess

        def run(cmd):
            proc = subprocess.Popen(cmd)
            try:
                outs, errs = proc.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                outs, errs = proc.communicate()
            return outs
        """
    )


def test_descriptor_released_in_finally_with_a_flag_is_trusted() -> None:
    assert not codes(
        """
        import os

        def size(path):
            fd = os.open(path, os.O_RDONLY)
            done = False
            try:
                n = os.fstat(fd).st_size
                os.close(fd)
                done = True
            finally:
                if not done:
                    os.close(fd)
            return n
        """
    )


def test_rebinding_in_a_loop_is_reported_once() -> None:
    assert codes(
        """
        import socket

        def connect(addresses):
            for address in addresses:
                sock = socket.socket()
                try:
                    sock.connect(address)
                except OSError:
                    continue
                return sock
        """
    ) == [(6, "SL401")]


def test_project_function_returning_a_resource_is_followed() -> None:
    assert codes(
        """
        import socket

        def dial(host):
            return socket.create_connection((host, 80))

        def ping(host):
            conn = dial(host)
            conn.sendall(b"ping")
        """
    ) == [(8, "SL401")]


def test_getters_and_wrappers_are_not_acquisitions() -> None:
    assert not codes(
        """
        import asyncio
        import gzip

        async def current():
            loop = asyncio.get_running_loop()
            return loop.time()

        def unzip(fileobj):
            g = gzip.GzipFile(fileobj=fileobj)
            return g.read()
        """
    )


def test_a_class_that_registers_itself_in_init_is_not_owned_by_its_creator() -> None:
    assert not codes(
        """
        import atexit
        import tempfile

        class Scratch(tempfile.TemporaryDirectory):
            def __init__(self):
                super().__init__()
                atexit.register(self.cleanup)

        def build():
            scratch = Scratch()
            return len(scratch.name)
        """
    )


def test_a_timeout_handled_without_raising_leaves_the_child_running_on_purpose() -> None:
    assert not codes(
        """
        import subprocess

        def launch(cmd):
            browser = subprocess.Popen(cmd)
            try:
                return browser.wait(5) == 0
            except subprocess.TimeoutExpired:
                return True  # still running: the browser window stays open
        """
    )
