"""The project index: each summary fact, module naming, cross-module lookups, digest, cache."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import pathlib
import pickle
import textwrap

import pytest

from safelint.analysis.facts.index import codec
from safelint.analysis.facts.index import index as index_module
from safelint.analysis.facts.index.codec import summary_from_json, summary_to_json
from safelint.analysis.facts.index.index import (
    ProjectIndex,
    build_index,
    module_name_for,
    pack_file,
    summarize_file,
)
from safelint.analysis.facts.index.summarizer import build_summary
from safelint.analysis.facts.index.summary import ClassSummary, FunctionSummary, ModuleSummary
from safelint.store import Store


def summarize(src: str, module: str = "pkg.mod", path: str = "pkg/mod.py") -> ModuleSummary:
    return build_summary(path, textwrap.dedent(src).encode(), module)


def function(src: str, name: str, module: str = "pkg.mod") -> FunctionSummary:
    found = {f.qualname: f for f in summarize(src, module).functions}
    return found[f"{module}.{name}"]


def klass(src: str, name: str) -> ClassSummary:
    found = {c.qualname: c for c in summarize(src).classes}
    return found[f"pkg.mod.{name}"]


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("annotation", "kind", "head"),
    [
        ("Optional[str]", "optional", "builtins.str"),
        ("typing.Optional[str]", "optional", "builtins.str"),
        ("str | None", "optional", "builtins.str"),
        ("None | str", "optional", "builtins.str"),
        ("Union[str, None]", "optional", "builtins.str"),
        ("Union[str, int, None]", "optional", None),
        ("Union[str, int]", "value", None),
        ("'Optional[Conn]'", "optional", "pkg.mod.Conn"),
        ("Annotated[Optional[int], 'meta']", "optional", "builtins.int"),
        ("None", "none", None),
        ("NoReturn", "never", None),
        ("typing.Never", "never", None),
        ("socket.socket", "value", "socket.socket"),
        ("list[Conn]", "value", "builtins.list"),
        ("Conn", "value", "pkg.mod.Conn"),
    ],
)
def test_return_annotation(annotation: str, kind: str, head: str | None) -> None:
    src = f"""
    import socket, typing
    from typing import Annotated, NoReturn, Optional, Union
    class Conn: pass
    def f() -> {annotation}: ...
    """
    summary = function(src, "f")
    assert (summary.return_kind, summary.return_annotation) == (kind, head)


def test_return_kind_properties() -> None:
    src = """
    from typing import Optional, NoReturn
    def opt() -> Optional[int]: ...
    def none() -> None: ...
    def never() -> NoReturn: ...
    def bare(): ...
    """
    assert function(src, "opt").returns_optional
    assert not function(src, "none").returns_optional and function(src, "none").returns_none
    assert function(src, "never").no_return
    assert function(src, "bare").return_kind == "unannotated"


def test_typing_names_from_a_star_import_are_recognised_by_name() -> None:
    assert function("from typing import *\ndef f() -> Optional[int]: ...\n", "f").returns_optional


def test_async_generators_and_context_managers() -> None:
    src = """
    import contextlib
    from contextlib import asynccontextmanager
    async def co(): return 1
    async def agen(): yield 1
    def gen():
        x = yield
    def outer():
        def inner(): yield 1
        return inner
    def after():
        def inner(): yield 1
        f = lambda: (yield)
        yield from inner()
    def lam():
        f = lambda: (yield)
        return f
    @contextlib.contextmanager
    def cm(): yield
    @asynccontextmanager
    async def acm(): yield
    """
    assert function(src, "co").is_coroutine_function
    agen = function(src, "agen")
    assert agen.is_async and agen.is_generator and not agen.is_coroutine_function
    assert function(src, "gen").is_generator
    assert not function(src, "outer").is_generator
    assert function(src, "after").is_generator  # back in its own body after the nested ones
    assert not function(src, "lam").is_generator
    assert function(src, "cm").is_context_manager
    assert function(src, "acm").is_context_manager


def test_must_use_from_any_module() -> None:
    src = """
    import mylib
    from other import must_use
    @mylib.must_use
    def a(): ...
    @must_use()
    def b(): ...
    def c(): ...
    """
    assert function(src, "a").must_use
    assert function(src, "b").must_use
    assert not function(src, "c").must_use


def test_params() -> None:
    src = """
    from typing import Optional
    def f(a, /, b: Optional[int], c=None, *args, d: int | None = 1, e: int = 2, **kw): ...
    """
    params = {p.name: p for p in function(src, "f").params}
    assert [p.kind for p in params.values()] == [
        "positional_only",
        "positional",
        "positional",
        "var_positional",
        "keyword_only",
        "keyword_only",
        "var_keyword",
    ]
    assert {n for n, p in params.items() if p.optional} == {"b", "c", "d"}
    assert {n for n, p in params.items() if p.has_default} == {"c", "d", "e"}
    assert params["e"].annotation == "builtins.int"


def test_returned_calls() -> None:
    src = """
    import socket
    def direct(p):
        return open(p)
    def via_local(host):
        s = socket.socket()
        s.connect(host)
        return s
    def local_import():
        import sqlite3
        return sqlite3.connect(":memory:")
    def reassigned():
        s = socket.socket()
        s = wrap(s)
        return s
    def param(s):
        return s
    def shadowed(open):
        return open(p)
    _loop = None
    def cached_or_fresh():
        global _loop
        if _loop is not None:
            return _loop
        _loop = new_loop()
        return _loop
    def fresh_or_none(p):
        if not p:
            return None
        return open(p)
    """
    assert function(src, "direct").returned_calls == ("builtins.open",)
    assert function(src, "via_local").returned_calls == ("socket.socket",)
    assert function(src, "local_import").returned_calls == ("sqlite3.connect",)
    assert function(src, "reassigned").returned_calls == ()
    assert function(src, "param").returned_calls == ()
    assert function(src, "shadowed").returned_calls == ()
    assert function(src, "cached_or_fresh").returned_calls == ()
    assert function(src, "fresh_or_none").returned_calls == ("builtins.open",)


def test_overloads_ride_on_their_implementation() -> None:
    src = """
    from typing import overload, Optional
    @overload
    def f(x: int) -> int: ...
    @overload
    def f(x: str) -> str: ...
    def f(x) -> Optional[object]: ...
    """
    (summary,) = [f for f in summarize(src).functions if f.qualname == "pkg.mod.f"]
    assert summary.returns_optional
    assert [(o.return_annotation, [p.annotation for p in o.params]) for o in summary.overloads] == [
        ("builtins.int", ["builtins.int"]),
        ("builtins.str", ["builtins.str"]),
    ]
    assert summary_from_json(summary_to_json(summarize(src))).functions[0].overloads == summary.overloads


def test_methods_and_nested_classes_are_qualified() -> None:
    src = """
    class Outer:
        def m(self): ...
        class Inner:
            async def n(self): ...
    if True:
        def conditional(): ...
    """
    names = {f.qualname for f in summarize(src).functions}
    assert names == {"pkg.mod.Outer.m", "pkg.mod.Outer.Inner.n", "pkg.mod.conditional"}
    assert {c.qualname for c in summarize(src).classes} == {"pkg.mod.Outer", "pkg.mod.Outer.Inner"}


def test_definitions_in_nested_blocks_first_one_wins() -> None:
    src = """
    try:
        from _speedups import f
    except ImportError:
        if True:
            def f() -> int: ...
        else:
            def f() -> None: ...
    else:
        pass
    finally:
        def g(): ...
    match sys.platform:
        case "win32":
            def h(): ...
    """
    functions = summarize(src).functions
    assert [f.qualname for f in functions] == ["pkg.mod.f", "pkg.mod.f", "pkg.mod.g", "pkg.mod.h"]
    index = ProjectIndex([summarize(src)])
    f = index.function("pkg.mod.f")
    assert f is not None and f.return_annotation == "builtins.int"


# --------------------------------------------------------------------------- classes


def test_class_facts() -> None:
    src = """
    import threading
    from dataclasses import dataclass
    from typing import Optional
    from .base import Base
    class Pool(Base, threading.Thread):
        _guard = threading.Lock()
        name: Optional[str] = None
        size: int = 0
        def __init__(self):
            self._lock = threading.RLock()
            self.conn = None
            self.spare = None
            self.maybe: int | None = 3
            self.cond = threading.Condition() if x else threading.Condition(self._lock)
            self.mixed = threading.Lock() if x else threading.RLock()
        def connect(self):
            self.conn = make()
            self.spare = None
            self.other = threading.Lock()
        def __enter__(self): return self
        def __exit__(self, *exc): self.close()
        def close(self): ...
    """
    pool = klass(src, "Pool")
    assert pool.bases == ("pkg.base.Base", "threading.Thread")
    assert pool.methods == ("__init__", "connect", "__enter__", "__exit__", "close")
    assert pool.defines_close and pool.defines_enter and pool.defines_exit
    assert pool.attribute_calls == (
        ("_guard", "threading.Lock"),
        ("_lock", "threading.RLock"),
        ("cond", "threading.Condition"),
    )
    assert pool.optional_attributes == ("name", "maybe")
    assert pool.none_then_set_attributes == ("conn",)
    assert pool.annotated_attributes == (("name", "builtins.str"), ("size", "builtins.int"), ("maybe", "builtins.int"))


def test_dataclass_fields_and_unpacking() -> None:
    src = """
    from dataclasses import dataclass
    @dataclass
    class Row:
        key: str
        value: "int | None" = None
        def __init__(self):
            self.a, self.b = None, None
        def load(self):
            self.a, self.b = fetch()
    """
    row = klass(src, "Row")
    assert row.optional_attributes == ("value",)
    assert row.annotated_attributes == (("key", "builtins.str"), ("value", "builtins.int"))
    assert row.none_then_set_attributes == ("a", "b")
    assert not row.defines_close


def test_fields_only_init_sets() -> None:
    src = """
    class Client:
        def __init__(self, single):
            self.single = single
            self.busy = False
            self.count = 0
        def mark(self):
            self.busy, self.seen = True, True
            self.count += 1
    """
    assert klass(src, "Client").init_only_attributes == ("single",)


def test_methods_that_do_nothing() -> None:
    src = """
    class Inline(Executor):
        def shutdown(self, wait=True):
            "Nothing runs in the background."
        def close(self):
            pass
        def stub(self): ...
        def submit(self, fn):
            return fn()
    """
    assert klass(src, "Inline").noop_methods == ("shutdown", "close", "stub")


def test_class_assignments_and_wrapped_annotations() -> None:
    src = """
    import enum
    from typing import ClassVar, Final
    class State(enum.Enum):
        NEW = 1
        DONE, GONE = 2, 3
        limit: ClassVar[int] = 3
        name_: Final = "x"
    """
    state = klass(src, "State")
    assert state.class_assignments == ("NEW",)
    assert state.annotated_attributes == (("limit", "builtins.int"),)


def test_a_field_set_once_from_an_annotated_parameter_has_its_class() -> None:
    src = """
    from typing import Optional
    class Console:
        def __init__(self, tab_size: int, width: Optional[int], name: str, mode: str, cb):
            self.tab_size = tab_size
            self.width = width
            self.name = name
            self.mode = mode
            self.cb = cb
            if not name:
                self.name = "x"
        def reset(self):
            self.mode = None
    """
    console = klass(src, "Console")
    assert console.annotated_attributes == (("tab_size", "builtins.int"),)


def test_a_property_is_its_getter() -> None:
    src = """
    class C:
        @property
        def size(self) -> int: ...
        @size.setter
        def size(self, value: int) -> None: ...
    """
    (size,) = [f for f in summarize(src).functions if f.qualname == "pkg.mod.C.size"]
    assert size.return_annotation == "builtins.int" and len(size.params) == 1


def test_type_aliases_are_written_out_qualified() -> None:
    src = """
    from typing import Literal, Optional, TypeAlias, Union
    from .seg import Segment
    M = Literal["left", "right"]
    R = Union[str, "Segment"]
    G: TypeAlias = "Optional[R]"
    P = int | None
    X = {"a": 1}["a"]
    """
    assert summarize(src).type_aliases == (
        ("M", "typing.Literal['left', 'right']"),
        ("R", "typing.Union[builtins.str, pkg.seg.Segment]"),
        ("G", "typing.Optional[pkg.mod.R]"),
        ("P", "builtins.int | None"),
    )


# --------------------------------------------------------------------------- module facts


def test_module_facts() -> None:
    src = """
    import collections
    from collections import defaultdict
    CACHE = {}
    SEEN = set()
    BY_KEY = defaultdict(list)
    COUNTS = collections.Counter()
    ITEMS: list[int] = []
    NAME = "x"
    FROZEN = frozenset()
    def reset():
        global CACHE, NAME
        CACHE = {}
    def only_reads():
        global SEEN
        return SEEN
    class K:
        def m(self):
            def inner():
                global COUNTS
                COUNTS += 1
    """
    summary = summarize(src)
    assert summary.mutable_globals == (
        ("CACHE", "builtins.dict"),
        ("SEEN", "builtins.set"),
        ("BY_KEY", "collections.defaultdict"),
        ("COUNTS", "collections.Counter"),
        ("ITEMS", "builtins.list"),
    )
    assert summary.global_rebound == ("CACHE", "COUNTS")
    assert dict(summary.imports) == {
        "collections": "collections",
        "defaultdict": "collections.defaultdict",
    }


def test_ambiguous_module_names_are_not_resolved() -> None:
    src = """
    try:
        import simplejson as json
    except ImportError:
        import json
    try:
        import ujson as fast
    except ImportError:
        fast = None
    import collections
    def a(): return json.loads(s)
    def b(): return fast.loads(s)
    def c(): return collections.OrderedDict()
    """
    assert function(src, "a").returned_calls == ()
    assert function(src, "b").returned_calls == ()
    assert function(src, "c").returned_calls == ("collections.OrderedDict",)
    assert dict(summarize(src).imports) == {"collections": "collections"}


def test_star_imports_hide_builtins() -> None:
    summary = summarize("from .util import *\nfrom os.path import *\nSEEN = set()\n")
    assert summary.star_imports == ("pkg.util", "os.path")
    assert summary.mutable_globals == ()  # ``set`` may come from a star import


def test_unparseable_file_gives_an_empty_summary() -> None:
    summary = summarize("def broken(:\n")
    assert not summary.parsed
    assert summary.functions == () and summary.classes == () and summary.imports == ()
    assert not build_summary("x.py", b"\x00\x01", "x").parsed
    assert not build_summary("x.py", b"# coding: nonsense\n", "x").parsed


def test_never_raises_on_real_code() -> None:
    for path in sorted(pathlib.Path(index_module.__file__).parent.glob("*.py")):
        assert build_summary(path, path.read_bytes(), "m").parsed
    deep = "x = " + "(" * 150 + "1" + ")" * 150 + "\n" + "y = " + "a + " * 2000 + "a\n"
    build_summary("deep.py", deep.encode(), "deep")


# --------------------------------------------------------------------------- module names


def test_module_names(tmp_path: pathlib.Path) -> None:
    def touch(relative: str) -> pathlib.Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        return path

    touch("src/pkg/__init__.py")
    touch("src/pkg/sub/__init__.py")
    touch("flat/__init__.py")
    assert module_name_for(touch("src/pkg/sub/mod.py"), tmp_path) == ("pkg.sub.mod", False)
    assert module_name_for(tmp_path / "src/pkg/sub/__init__.py", tmp_path) == ("pkg.sub", True)
    assert module_name_for(touch("flat/util.py"), tmp_path) == ("flat.util", False)
    assert module_name_for(touch("script.py"), tmp_path) == ("script", False)
    assert module_name_for(touch("tests/unit/test_x.py"), tmp_path) == ("tests.unit.test_x", False)
    assert module_name_for(touch("ns/inner/mod.py"), tmp_path) == ("ns.inner.mod", False)


# --------------------------------------------------------------------------- the index


def _project(tmp_path: pathlib.Path, files: dict[str, str]) -> list[pathlib.Path]:
    paths = []
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        paths.append(path)
    return paths


PROJECT = {
    "pkg/__init__.py": "from .util import helper, Conn\n",
    "pkg/util.py": """
        from typing import Optional
        import socket
        def helper() -> Optional[str]: ...
        class Base:
            def close(self): ...
        class Conn(Base):
            def open(self):
                return socket.socket()
    """,
    "pkg/app.py": """
        from pkg.util import helper
        from . import util as u
        import pkg
        def run():
            return helper()
    """,
}


def test_cross_module_resolution(tmp_path: pathlib.Path) -> None:
    index = build_index(_project(tmp_path, PROJECT), tmp_path)
    assert index.resolve_import("pkg.app", "helper") == "pkg.util.helper"
    assert index.resolve_import("pkg.app", "u") == "pkg.util"
    assert index.resolve_import("pkg.app", "missing") is None
    helper = index.function("pkg.util.helper")
    assert helper is not None and helper.returns_optional
    assert index.function("pkg.helper") is helper  # re-exported by pkg/__init__.py
    assert index.klass("pkg.Conn") is index.klass("pkg.util.Conn") is not None
    opener = index.function("pkg.Conn.open")
    assert opener is not None and opener.returned_calls == ("socket.socket",)
    close = index.find_method("pkg.util.Conn", "close")
    assert close is not None and close.qualname == "pkg.util.Base.close"
    assert index.find_method("pkg.util.Conn", "missing") is None
    module = index.module("pkg")
    assert module is not None and module.is_package
    assert index.function("pkg.app.run") is not None
    assert index.function("nowhere.f") is None


def test_import_cycles_terminate() -> None:
    a = ModuleSummary("a", False, (("x", "b.x"),), ())
    b = ModuleSummary("b", False, (("x", "a.x"),), ())
    index = ProjectIndex([a, b])
    assert index.function("a.x") is None
    assert index.canonical("a.x") in ("a.x", "b.x")


def test_first_module_of_a_name_wins() -> None:
    first = summarize("def f() -> None: ...\n", "m")
    second = summarize("def f() -> int: ...\n", "m")
    index = ProjectIndex([first, second])
    f = index.function("m.f")
    assert f is not None and f.returns_none


def test_digest_tracks_summaries_only() -> None:
    base = summarize("def f() -> int:\n    return 1\n")
    same_facts = summarize("\n\n# moved down\ndef f() -> int:\n    x = 2\n    return x\n")
    changed = summarize("def f() -> int | None:\n    return 1\n")
    other = summarize("X = {}\n", "pkg.other", "pkg/other.py")
    digest = ProjectIndex([base, other]).digest
    assert ProjectIndex([other, base]).digest == digest
    assert ProjectIndex([same_facts, other]).digest == digest
    assert ProjectIndex([changed, other]).digest != digest
    assert ProjectIndex([base]).digest != digest


def test_summaries_are_picklable_and_round_trip_through_json() -> None:
    summary = summarize(PROJECT["pkg/util.py"])
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert summary_from_json(summary_to_json(summary)) == summary


def test_cache_hit(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (path,) = _project(tmp_path / "src", {"m.py": "def f() -> None: ...\n"})
    cache = tmp_path / "cache"
    first = summarize_file(str(path), "m", str(cache))
    entries = _entries(cache)
    assert len(entries) == 1 and not entries[0].name.startswith(".")

    def fail(*args: object) -> ModuleSummary:
        raise AssertionError("the cache should have answered")

    monkeypatch.setattr(index_module, "build_summary", fail)
    assert summarize_file(str(path), "m", str(cache)) == first


def test_cache_miss_on_other_content_or_name(tmp_path: pathlib.Path) -> None:
    (path,) = _project(tmp_path / "src", {"m.py": "def f() -> None: ...\n"})
    cache = tmp_path / "cache"
    summarize_file(str(path), "m", str(cache))
    renamed = summarize_file(str(path), "n", str(cache))
    assert renamed.functions[0].qualname == "n.f"
    path.write_text("def g() -> None: ...\n")
    assert summarize_file(str(path), "m", str(cache)).functions[0].qualname == "m.g"
    assert len(_entries(cache)) == 3


@pytest.mark.parametrize("garbage", [b"", b"{not json", b"[]", b'{"module": 3}', b"\xff\xfe"])
def test_corrupt_cache_entry_is_rebuilt(tmp_path: pathlib.Path, garbage: bytes) -> None:
    (path,) = _project(tmp_path / "src", {"m.py": "def f() -> None: ...\n"})
    cache = tmp_path / "cache"
    expected = summarize_file(str(path), "m", str(cache))
    (entry,) = _entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(garbage)
    assert summarize_file(str(path), "m", str(cache)) == expected
    assert entry.read_bytes() == good  # rewritten
    planted = dataclasses.replace(codec.SUMMARIES, encode=lambda _: garbage)  # well framed, wrong shape
    Store(cache).put(planted, entry.name, pack_file(str(path), "m"))
    assert entry.read_bytes() != good
    assert summarize_file(str(path), "m", str(cache)) == expected
    assert entry.read_bytes() == good


def test_an_entry_of_an_older_format_is_rebuilt(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (path,) = _project(tmp_path / "src", {"m.py": "def f() -> None: ...\n"})
    cache = tmp_path / "cache"
    older = dataclasses.replace(codec.SUMMARIES, version=codec.SUMMARIES.version - 1)
    monkeypatch.setattr(codec, "SUMMARIES", older)
    monkeypatch.setattr(index_module, "SUMMARIES", older)
    expected = summarize_file(str(path), "m", str(cache))
    monkeypatch.undo()
    builds: list[str] = []
    monkeypatch.setattr(index_module, "build_summary", lambda *args: builds.append(args[2]) or build_summary(*args))
    assert summarize_file(str(path), "m", str(cache)) == expected
    assert builds == ["m"]
    assert summarize_file(str(path), "m", str(cache)) == expected
    assert builds == ["m"]  # the rebuilt entry took its place


def _entries(cache: pathlib.Path) -> list[pathlib.Path]:
    return sorted(cache.glob("index/*/*"))


def test_unreadable_file_and_unwritable_cache(tmp_path: pathlib.Path) -> None:
    assert not summarize_file(str(tmp_path / "missing.py"), "missing").parsed
    (path,) = _project(tmp_path, {"m.py": "X = []\n"})
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache directory should be")
    assert summarize_file(str(path), "m", str(blocker)).mutable_globals == (("X", "builtins.list"),)


def test_build_index_in_worker_processes(tmp_path: pathlib.Path) -> None:
    paths = _project(tmp_path, PROJECT)
    serial = build_index(paths, tmp_path, cache_dir=tmp_path / "cache")
    with concurrent.futures.ProcessPoolExecutor(2) as pool:
        parallel = build_index(paths, tmp_path, map_fn=pool.map)
    assert parallel.digest == serial.digest
    assert sorted(parallel.modules) == ["pkg", "pkg.app", "pkg.util"]


def test_calls_within_the_package_and_on_self() -> None:
    src = """
    import os
    from pkg import util
    from . import other
    from .helpers import tidy
    def f(x):
        os.remove(x)
        util.clean(x)
        other.Thing(x).go()
        def inner():
            tidy()
        local = x
        local.go()
        print(x)
    class K:
        def m(self, y):
            self.n()
            self.conn.send(y)
            self.a.b.c()
            f(y)
    """
    assert function(src, "f").calls == ("pkg.helpers.tidy", "pkg.other.Thing", "pkg.util.clean")
    assert set(function(src, "K.m").calls) == {"self.n", "self.conn.send", "pkg.mod.f"}


def test_thread_targets_include_own_functions_methods_and_pool_submissions() -> None:
    src = """
    import threading
    from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor
    from pkg import jobs
    def work(): ...
    class Server:
        def __init__(self):
            self._pool = ThreadPoolExecutor()
        def start(self):
            threading.Thread(target=self.serve).start()
            self._pool.submit(jobs.one)
        def serve(self): ...
    def main(items):
        threading.Thread(target=work).start()
        with ThreadPoolExecutor() as pool:
            pool.map(jobs.each, items)
        with ProcessPoolExecutor() as procs:
            procs.submit(jobs.elsewhere)
        for _ in items:
            threading.Timer(1, jobs.tick).start()
    """
    summary = summarize(src)
    assert summary.thread_targets == (
        "pkg.jobs.each",
        "pkg.jobs.one",
        "pkg.jobs.tick",
        "pkg.mod.Server.serve",
        "pkg.mod.work",
    )
    assert summary.repeated_thread_targets == ("pkg.jobs.each", "pkg.jobs.tick")


def _reach(files: dict[str, str]) -> ProjectIndex:
    return ProjectIndex([summarize(src, module) for module, src in files.items()])


def test_thread_reach_follows_calls_across_modules() -> None:
    index = _reach(
        {
            "pkg.starter": """
                import threading
                from pkg.worker import work
                def start():
                    threading.Thread(target=work).start()
            """,
            "pkg.worker": """
                from pkg import store
                def work():
                    step()
                def step():
                    store.save(1)
                def idle(): ...
            """,
            "pkg.store": """
                from pkg import disk
                def save(x):
                    _write(x)
                def _write(x):
                    disk.Disk().flush()
            """,
            "pkg.disk": """
                class Disk:
                    def __init__(self): ...
                    def flush(self): ...
            """,
        }
    )
    assert index.started_elsewhere("pkg.worker.work") == ("pkg.starter", False)
    assert index.called_from_thread("pkg.store.save") == ("pkg.worker.step", False)
    assert index.called_from_thread("pkg.disk.Disk.__init__") == ("pkg.store._write", False)
    # Calls inside a module are left to that module's own thread model.
    assert index.called_from_thread("pkg.worker.step") is None
    assert index.called_from_thread("pkg.store._write") is None
    assert index.called_from_thread("pkg.worker.idle") is None
    assert {m for m in ("pkg.starter", "pkg.worker", "pkg.store", "pkg.disk") if index.starts_threads_in(m)} == {
        "pkg.worker",
        "pkg.store",
        "pkg.disk",
    }


def test_thread_reach_from_a_thread_subclass_through_self_attributes() -> None:
    index = _reach(
        {
            "pkg.transport": """
                import threading
                from pkg.packet import Packetizer
                class Transport(threading.Thread):
                    def __init__(self):
                        self.packetizer = Packetizer()
                    def run(self):
                        self._loop()
                    def _loop(self):
                        self.packetizer.read()
            """,
            "pkg.packet": """
                class Packetizer:
                    def read(self): ...
                    def write(self): ...
            """,
        }
    )
    assert index.called_from_thread("pkg.packet.Packetizer.read") == ("pkg.transport.Transport._loop", False)
    assert index.called_from_thread("pkg.packet.Packetizer.write") is None


def test_thread_reach_from_several_threads_is_repeated() -> None:
    index = _reach(
        {
            "pkg.a": """
                import threading
                from pkg import b
                def one():
                    b.shared()
                def two():
                    b.shared()
                def start():
                    threading.Thread(target=one).start()
                    threading.Thread(target=two).start()
                def many(n):
                    for _ in range(n):
                        threading.Thread(target=b.alone).start()
            """,
            "pkg.b": """
                from pkg import c
                def shared(): ...
                def alone():
                    c.deep()
            """,
            "pkg.c": "def deep(): ...\n",
        }
    )
    shared = index.called_from_thread("pkg.b.shared")
    assert shared is not None and shared[0] in ("pkg.a.one", "pkg.a.two") and shared[1]
    assert index.started_elsewhere("pkg.b.alone") == ("pkg.a", True)
    assert index.called_from_thread("pkg.c.deep") == ("pkg.b.alone", True)


def test_summaries_are_unpacked_on_demand_into_a_bounded_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "_LOADED_MODULES", 2)
    summaries = [summarize(f"def f{i}() -> None: ...\n", f"pkg.m{i}") for i in range(5)]
    index = ProjectIndex(summaries)
    for i, summary in enumerate(summaries):
        assert index.module(f"pkg.m{i}") == summary
        function = index.function(f"pkg.m{i}.f{i}")
        assert function is not None and function.returns_none
    assert len(index._loaded) == 2
    assert index.module("pkg.m0") == summaries[0]  # evicted, then unpacked again
    assert dict(index.modules) == {s.module: s for s in summaries}
    assert index.module("pkg.missing") is None and "pkg.missing" not in index.modules


def test_packed_summaries_from_the_cache_index_like_fresh_ones(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import threading\nclass W(threading.Thread):\n    def run(self): ...\ndef make(): return open('x')\n"
    )
    cache = tmp_path / "cache"
    fresh = pack_file(str(path), "m", str(cache))
    cached = pack_file(str(path), "m", str(cache))
    assert cached == fresh == pack_file(str(path), "m")
    assert pickle.loads(pickle.dumps(fresh)) == fresh
    summary = summarize_file(str(path), "m")
    packed_index, plain_index = ProjectIndex([cached]), ProjectIndex([summary])
    assert packed_index.digest == plain_index.digest
    assert packed_index.module("m") == summary
    assert packed_index.returning_names == {"make"} and packed_index.derived_class_names == {"W"}


def test_updated_replaces_the_given_modules_and_keeps_the_others_packed() -> None:
    a, b = summarize("def f() -> None: ...\n", "pkg.a"), summarize("def g() -> int: ...\n", "pkg.b")
    index = ProjectIndex([a, b])
    edited = summarize("def f() -> int: ...\n", "pkg.a")
    new = index.updated([edited])
    assert new.module("pkg.a") == edited and new.module("pkg.b") == b
    assert index.module("pkg.a") == a  # the old index is untouched
    assert new.digest == ProjectIndex([edited, b]).digest != index.digest


def test_syntax_newer_than_the_interpreter_keeps_its_facts() -> None:
    # 3.11 and 3.12 forms: pass 1 reads them through libcst on any interpreter (issue 18, defect 6).
    src = '''
    type Alias = list[int] | None
    def greet(d: dict[str, str]) -> str:
        return f"""{d["a"]}
        {d["b"]}"""
    def find[T](key: T) -> T | None:
        try:
            return key
        except* ValueError:
            return None
    class Box[T]:
        def get(self) -> str | None: ...
    LAST = find
    '''
    summary = summarize(src)
    assert summary.parsed
    assert function(src, "find").return_kind == "optional"
    assert "pkg.mod.Box" in {c.qualname for c in summary.classes}
    assert function(src, "Box.get").return_kind == "optional"


def test_downlevel_keeps_line_numbers() -> None:
    from safelint.analysis.facts.index.downlevel import downlevel

    src = b'x = f"""{1}\n\n{2}"""\ndef f[T](): pass\ny = 1\n'
    rewritten = downlevel(src)
    assert rewritten is not None
    assert rewritten.splitlines()[4] == b"y = 1"
    assert downlevel(b"def (:\n") is None


def test_module_variables_keep_where_their_types_come_from() -> None:
    """What the syntax alone tells of a module variable's value; a name some value of
    which it cannot tell, or that a def, an import or (undeclared) a function's ``global``
    rebinds, is left out."""
    src = """
    import socket
    from typing import Final
    from .conf import Timeout, make
    SIZE = 128 * 1024
    HALF = 1 / 2
    NAME = f"x{SIZE}"
    CODES = {"a": "b", "c": "d"}
    MIXED = [1, "a"]
    PAIR = (1, "a")
    FAMILY: Final = socket.AF_INET
    FLAGS: "list[Timeout]" = make()
    DEFAULT = Timeout(5.0)
    OTHER = DEFAULT
    MAYBE = None if SIZE else make()
    UNKNOWN = make().x
    TWICE = 1
    TWICE = "a"
    LAZY = None
    CONN: Timeout
    def init():
        global LAZY, CONN
        LAZY = Timeout(1.0)
        CONN = make()
    SHADOWED = 1
    def SHADOWED():
        pass
    for LOOPED in range(3):
        pass
    """
    assert summarize(src).variables == (
        ("SIZE", "type", "builtins.int"),
        ("HALF", "type", "builtins.float"),
        ("NAME", "type", "builtins.str"),
        ("CODES", "type", "builtins.dict[builtins.str, builtins.str]"),
        ("MIXED", "type", "builtins.list"),
        ("PAIR", "type", "tuple[builtins.int, builtins.str]"),
        ("FAMILY", "name", "socket.AF_INET"),
        ("DEFAULT", "call", "pkg.conf.Timeout"),
        ("OTHER", "name", "pkg.mod.DEFAULT"),
        ("MAYBE", "type", "None"),
        ("MAYBE", "call", "pkg.conf.make"),
        ("TWICE", "type", "builtins.int"),
        ("TWICE", "type", "builtins.str"),
        ("CONN", "type", "pkg.conf.Timeout"),
        ("FLAGS", "type", "builtins.list[pkg.conf.Timeout]"),
    )


def test_fields_keep_where_their_types_come_from() -> None:
    """Every value a method gives a field, when the syntax tells each: a constant, a call,
    an annotated parameter's type (not an Optional one's, which a check may have narrowed;
    a field set once from one in ``__init__`` is declared by it); one value it cannot tell
    leaves the field out."""
    src = """
    from typing import Optional
    from .conf import Timeout
    class Client:
        LIMIT = 10
        a, b = 1, 2
        def __init__(self, size: int, name: Optional[str], label: str, *extra: int):
            self.size = size
            self.name = name
            self.label = label
            label = label.upper()
            self.extra = extra
            self.timeout = Timeout(size)
            self.conn = None
            self.count = 0
            self.parts = label.split()
        def connect(self) -> None:
            self.conn = Timeout(1)
            self.count += 1
    """
    client = klass(src, "Client")
    assert client.inferred_attributes == (
        ("LIMIT", "type", "builtins.int"),
        ("timeout", "call", "pkg.conf.Timeout"),
        ("conn", "type", "None"),
        ("conn", "call", "pkg.conf.Timeout"),
    )
    assert client.annotated_attributes == (("size", "builtins.int"), ("label", "builtins.str"))  # not ``*extra``'s


def test_the_summarizer_walk_reads_every_child_but_contexts_and_operators() -> None:
    import ast

    from safelint.analysis.facts.index.bindings import push_children

    tree = ast.parse("x = [a + b for a in f(y, *z, k=-1) if not a < 2]\nclass C(B, m=M):\n    def g(s=1): yield")
    for node in ast.walk(tree):
        found: list[ast.AST] = []
        push_children(node, found)
        expected = [
            n
            for n in ast.iter_child_nodes(node)
            if not isinstance(n, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop))
        ]
        assert found == expected


def test_a_function_that_starts_its_parameter_on_a_thread() -> None:
    src = """
    import threading
    from threading import Thread, Timer

    def spawn(fn, *args):
        Thread(target=fn, args=args).start()

    def positional(group, callback):
        threading.Thread(None, callback).start()

    def later(delay, *, job):
        Timer(delay, job).start()

    def now(fn):
        return fn()

    def fixed(fn):
        threading.Thread(target=print).start()
    """
    found = {f.qualname.rsplit(".", 1)[1]: f.starts_parameter for f in summarize(src).functions}
    assert found == {"spawn": "fn", "positional": "callback", "later": "job", "now": None, "fixed": None}
    packed = codec.pack(summarize(src))
    assert set(packed.thread_helpers) == {"spawn", "positional", "later"}
    assert summary_from_json(summary_to_json(summarize(src))).functions[0].starts_parameter == "fn"
