"""The help of a race names a lock the code has, or says to create one."""

import textwrap

from safelint.testing import check_source

_COUNTER = """
import threading


class Counter:
    def __init__(self):
        self.count = 0
        {lock}

    def start(self):
        threading.Thread(target=self.bump).start()
        threading.Thread(target=self.bump).start()

    def bump(self):
        self.count += 1
"""


def _help(lock: str) -> str:
    findings = [f for f in check_source(textwrap.dedent(_COUNTER.format(lock=lock))) if f.code == "SL301"]
    assert len(findings) == 1
    return findings[0].help or ""


def test_help_names_the_lock_the_object_has() -> None:
    assert _help("self._guard = threading.Lock()") == "hold `self._guard` around it (`with self._guard:`)"


def test_help_says_to_create_a_lock_when_there_is_none() -> None:
    assert _help("") == (
        "no lock guards this object yet: create one in `__init__` (`self._lock = threading.Lock()`) "
        "and hold it around every access (`with self._lock:`)"
    )


def test_help_does_not_borrow_another_class_lock() -> None:
    other = textwrap.dedent(
        """
        class Stats:
            def __init__(self):
                self._stats_lock = threading.Lock()

            def add(self):
                with self._stats_lock:
                    pass
        """
    )
    findings = [f for f in check_source(textwrap.dedent(_COUNTER.format(lock="")) + other) if f.code == "SL301"]
    assert len(findings) == 1
    assert "_stats_lock" not in (findings[0].help or "")
    assert (findings[0].help or "").startswith("no lock guards this object yet")
