"""The store of everything cached on disk: whole entries or none, versioned, data never code."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from safelint.analysis.facts.index.codec import SUMMARIES, pack
from safelint.analysis.facts.index.summarizer import build_summary
from safelint.analysis.facts.knowledge import cache as knowledge_cache
from safelint.analysis.facts.knowledge.build import Table
from safelint.cache import RESULTS
from safelint.results import Applicability, Edit, FileResult, Finding, Fix, Related, Severity
from safelint.store import Codec, Store, as_dict, as_int, as_list, as_text, content_key

KEY = content_key("a record")


def _decode_pair(payload: bytes) -> tuple[str, int]:
    data = as_list(json.loads(payload))
    return as_text(data[0]), as_int(data[1])


PAIRS: Codec[tuple[str, int]] = Codec("pairs", 1, lambda pair: json.dumps(pair).encode(), _decode_pair)


def test_a_record_round_trips_under_its_kind_and_key(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache")
    assert store.get(PAIRS, KEY) is None
    store.put(PAIRS, KEY, ("x", 1))
    assert store.get(PAIRS, KEY) == ("x", 1)
    assert store.path(PAIRS, KEY) == tmp_path / "cache" / "pairs" / KEY[:2] / KEY
    store.put(PAIRS, KEY, ("y", 2))
    assert store.get(PAIRS, KEY) == ("y", 2)
    assert sorted(p.name for p in store.path(PAIRS, KEY).parent.iterdir()) == [KEY]  # no temporaries left


def test_content_keys_delimit_their_parts() -> None:
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key("a", b"b") == content_key(b"a", "b")
    assert content_key("\udcff") == content_key(b"\xff")  # surrogate-escaped names hash as their bytes


def test_keys_and_kinds_are_checked() -> None:
    with pytest.raises(ValueError):
        Store("x").path(PAIRS, "../../etc/passwd")
    with pytest.raises(ValueError):
        Codec("../up", 1, bytes, bytes)


DAMAGES = {
    "empty": lambda data: b"",
    "garbage": lambda data: b"garbage",
    "truncated": lambda data: data[: len(data) - 3],
    "header only": lambda data: data[: data.index(b"\n") + 1],
    "flipped byte": lambda data: data[:-2] + bytes([data[-2] ^ 0x01]) + data[-1:],
    "bad magic": lambda data: b"X" + data[1:],
    "longer": lambda data: data + b" ",
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_entry_is_a_miss_and_is_rebuilt(tmp_path: Path, damage: object) -> None:
    store = Store(tmp_path)
    store.put(PAIRS, KEY, ("x", 1))
    path = store.path(PAIRS, KEY)
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    assert store.get(PAIRS, KEY) is None
    store.put(PAIRS, KEY, ("x", 1))
    assert store.get(PAIRS, KEY) == ("x", 1)


def test_an_entry_of_another_version_kind_or_key_is_a_miss(tmp_path: Path) -> None:
    store = Store(tmp_path)
    older = dataclasses.replace(PAIRS, version=0)
    store.put(older, KEY, ("x", 1))
    assert store.get(PAIRS, KEY) is None
    assert store.get(older, KEY) == ("x", 1)

    other_kind = dataclasses.replace(PAIRS, kind="other")
    store.put(other_kind, KEY, ("x", 1))
    store.path(other_kind, KEY).replace(store.path(PAIRS, KEY))
    assert store.get(PAIRS, KEY) is None

    other_key = content_key("another record")
    store.put(PAIRS, other_key, ("x", 1))
    store.path(PAIRS, other_key).replace(store.path(PAIRS, KEY))
    assert store.get(PAIRS, KEY) is None


@pytest.mark.parametrize("payload", [b"{", b"[1]", b'["x", "1"]', b'["x", true]', b"[" * 100_000, b"\xff"])
def test_a_well_framed_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, payload: bytes) -> None:
    store = Store(tmp_path)
    store.put(dataclasses.replace(PAIRS, encode=lambda _: payload), KEY, ("x", 1))
    assert store.get(PAIRS, KEY) is None


def test_planted_special_files_do_not_block_or_follow(tmp_path: Path) -> None:
    store = Store(tmp_path)
    path = store.path(PAIRS, KEY)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    started = time.monotonic()
    assert store.get(PAIRS, KEY) is None
    assert time.monotonic() - started < 5
    path.unlink()
    path.mkdir()
    assert store.get(PAIRS, KEY) is None
    path.rmdir()
    store.put(PAIRS, content_key("elsewhere"), ("x", 1))
    path.symlink_to(store.path(PAIRS, content_key("elsewhere")))
    assert store.get(PAIRS, KEY) is None  # a cache never makes links: one is planted
    path.unlink()
    path.symlink_to("/dev/zero")
    assert store.get(PAIRS, KEY) is None


def test_an_unwritable_folder_keeps_nothing_and_raises_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    for folder in (blocker, blocker / "cache", Path("/dev/null/cache"), Path("/proc/safelint-cache")):
        store = Store(folder)
        store.put(PAIRS, KEY, ("x", 1))
        assert store.get(PAIRS, KEY) is None
    assert blocker.read_text() == "a file where the cache folder should be"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_folder_still_answers(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put(PAIRS, KEY, ("x", 1))
    for path in (tmp_path, *(p for p in tmp_path.rglob("*") if p.is_dir())):
        path.chmod(0o555)
    try:
        store.put(PAIRS, content_key("new"), ("y", 2))
        assert store.get(PAIRS, KEY) == ("x", 1)
        assert store.get(PAIRS, content_key("new")) is None
    finally:
        for path in (tmp_path, *(p for p in tmp_path.rglob("*") if p.is_dir())):
            path.chmod(0o755)


def test_the_folder_is_created_marked_as_a_cache(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / ".safelint_cache"
    Store(folder).put(PAIRS, KEY, ("x", 1))
    assert (folder / ".gitignore").read_text().splitlines()[-1] == "*"
    tag = (folder / "CACHEDIR.TAG").read_bytes()
    assert tag.startswith(b"Signature: 8a477f597d28d172789f06886806bc55")
    assert sorted(p.name for p in folder.parent.iterdir()) == [".safelint_cache"]  # no temporaries


def test_a_folder_the_user_made_is_not_marked(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    Store(tmp_path).put(PAIRS, KEY, ("x", 1))  # --cache-dir . must not hide the project from git
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pairs", "pyproject.toml"]


def test_runs_racing_to_create_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    barrier = threading.Barrier(8)

    def put(i: int) -> None:
        barrier.wait()
        Store(folder).put(PAIRS, content_key(str(i)), ("x", i))

    threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [Store(folder).get(PAIRS, content_key(str(i))) for i in range(8)] == [("x", i) for i in range(8)]
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "CACHEDIR.TAG", "pairs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


WRITER = """
import sys
from safelint.store import Codec, Store
big = Codec("big", 1, lambda value: value, lambda payload: payload)
store, key, i = Store(sys.argv[1]), sys.argv[2], 0
while True:
    i += 1
    store.put(big, key, bytes([i % 256]) * 4_000_000)
"""


def test_a_killed_writer_leaves_a_whole_entry_or_none(tmp_path: Path) -> None:
    """SIGKILL, which no ``finally`` survives, is sent as soon as a writer rewriting a 4 MB
    entry in a loop has made its temporary, and then a little later; whatever is caught, the
    entry is whole and the only leftover is the temporary."""
    big: Codec[bytes] = Codec("big", 1, lambda value: value, lambda payload: payload)
    store = Store(tmp_path)
    path = store.path(big, KEY)
    caught_midway = 0
    for offset in (0.0, 0.0, 0.001, 0.003):
        process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), KEY])
        try:
            while process.poll() is None and not (path.exists() and len(os.listdir(path.parent)) > 1):
                pass  # until the entry exists and a rewrite of it has begun
            time.sleep(offset)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=60)
        finally:
            process.kill()
            process.wait()
        value = store.get(big, KEY)
        assert value is not None and len(value) == 4_000_000 and len(set(value)) == 1
        for leftover in path.parent.iterdir():
            if leftover != path:
                assert leftover.name.startswith(f".{KEY}.") and leftover.name.endswith(".tmp")
                leftover.unlink()
                caught_midway += 1
    assert caught_midway, "no kill landed inside a write: nothing was tested"


def test_readers_never_see_half_an_entry(tmp_path: Path) -> None:
    store = Store(tmp_path)
    values = [("a" * 200_000, 1), ("b" * 300_000, 2)]
    store.put(PAIRS, KEY, values[0])
    done = threading.Event()

    def write() -> None:
        for i in range(100):
            store.put(PAIRS, KEY, values[i % 2])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen = 0
    while not done.is_set():
        assert store.get(PAIRS, KEY) in values
        seen += 1
    writer.join()
    assert seen


# -- the three record types ----------------------------------------------------------------


def test_the_result_codec_round_trips() -> None:
    finding = Finding(
        code="SL401",
        name="unclosed-resource",
        severity=Severity.ERROR,
        message="m",
        path="p\udcff.py",
        line=1,
        column=2,
        end_line=3,
        end_column=4,
        help="h",
        fix=Fix("f", Applicability.SAFE, (Edit(1, 2, 3, 4, "x"),)),
        related=(Related("r", 5, 6, 7, 8),),
    )
    result = FileResult("p.py", [finding, dataclasses.replace(finding, help=None, fix=None, related=())], [], {1: "l"})
    assert RESULTS.decode(RESULTS.encode(result)) == result


@pytest.mark.parametrize("field", ["line", "help", "severity", "fix", "related"])
def test_the_result_codec_checks_shapes(field: str) -> None:
    finding = Finding("SL401", "n", Severity.ERROR, "m", "p.py", 1, 2, 3, 4)
    document = as_dict(json.loads(RESULTS.encode(FileResult("p.py", [finding]))))
    document["findings"][0][field] = {"line": [1]}
    with pytest.raises(Exception):
        RESULTS.decode(json.dumps(document).encode())


def test_the_summary_codec_round_trips() -> None:
    source = b"import threading\nclass W(threading.Thread):\n    def run(self) -> int | None: ...\n"
    packed = pack(build_summary("m.py", source, "m"))
    assert SUMMARIES.decode(SUMMARIES.encode(packed)) == packed


def test_the_knowledge_codec_round_trips() -> None:
    table = Table({"m": pickle.dumps(1)}, {"_m.C": "m.C"})
    assert knowledge_cache.KNOWLEDGE.decode(knowledge_cache.KNOWLEDGE.encode(table)) == table


class _Planted:
    """Unpickling it would run ``os.mkdir(path)``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.path),)


def test_a_planted_entry_of_any_record_type_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    store = Store(tmp_path / "cache")
    planted = pickle.dumps(({"m": _Planted(marker)}, {}), pickle.HIGHEST_PROTOCOL)
    for codec in (RESULTS, SUMMARIES, knowledge_cache.KNOWLEDGE):
        liar: Codec[object] = dataclasses.replace(codec, encode=lambda _: planted)  # type: ignore[arg-type]
        store.put(liar, KEY, None)
        assert store.get(dataclasses.replace(codec, decode=bytes), KEY) == planted  # well framed
        assert store.get(codec, KEY) is None
    assert not marker.exists()
