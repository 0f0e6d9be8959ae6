"""The SL3 prefilter: cheap, but it must let through every module the regex of old let through."""

from __future__ import annotations

import pytest

from safelint.analysis.threads.model import mentions_threads


@pytest.mark.parametrize(
    "text",
    [
        "import threading",
        "from concurrent.futures import ThreadPoolExecutor",
        "loop.run_in_executor(None, f)",
        "await asyncio.to_thread(f)",
        "import _thread",
        "_thread.start_new_thread(f, ())",
        "x = 1  # GuardedBy(lock)",
        "# safelint: guarded-by _lock",
    ],
)
def test_a_module_naming_threads_passes(text: str) -> None:
    assert mentions_threads(text)


@pytest.mark.parametrize("text", ["import os\n", "my_threadlike = 1", "x_thread_y = 2", ""])
def test_a_module_without_threads_is_skipped(text: str) -> None:
    assert not mentions_threads(text)
