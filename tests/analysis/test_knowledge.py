"""The knowledge base: facts derived from typeshed, overload matching, the cache, stub packages."""

from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import libcst as cst
import pytest

from safelint.analysis.facts.knowledge import (
    UNKNOWN,
    CallShape,
    Environment,
    Knowledge,
    KnowledgeError,
    cache,
    environment_paths,
    probe_environment,
    query,
)
from safelint.analysis.facts.knowledge.build import Table
from safelint.analysis.facts.knowledge.environment import Typeshed, stdlib_modules
from safelint.analysis.facts.knowledge.resolve import Definition, Linker
from safelint.analysis.facts.knowledge.stubs import StubModule, StubOverloads, Target, read_stub
from safelint.store import Store

# Facts are pinned to one target so they do not move with the interpreter running the tests.
TARGET = Environment((3, 12, 0), "linux", ())


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("knowledge-cache")


@pytest.fixture(scope="module")
def kb(cache_dir: Path) -> Knowledge:
    start = time.perf_counter()
    knowledge = Knowledge.load(environment=TARGET, cache_dir=cache_dir)
    print(f"\nknowledge base for 3.12/linux built in {time.perf_counter() - start:.3f} s")
    assert not knowledge.from_cache
    return knowledge


def call(source: str) -> cst.Call:
    node = cst.parse_expression(source)
    assert isinstance(node, cst.Call)
    return node


# -- build and cache timings ---------------------------------------------------------------


def test_build_and_load_times_for_the_running_interpreter(tmp_path: Path) -> None:
    start = time.perf_counter()
    built = Knowledge.load(cache_dir=tmp_path)
    build_time = time.perf_counter() - start
    start = time.perf_counter()
    loaded = Knowledge.load(cache_dir=tmp_path)
    load_time = time.perf_counter() - start
    start = time.perf_counter()
    assert loaded.returns_optional("re.match") is True
    query_time = time.perf_counter() - start
    print(
        f"\nbuild {build_time * 1000:.0f} ms, cache load {load_time * 1000:.1f} ms, "
        f"first query {query_time * 1000:.1f} ms"
    )
    assert not built.from_cache
    assert loaded.from_cache


# -- None: overloads matched to the call ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("builtins.dict.get", "d.get(k)", True),
        ("dict.get", "d.get(k, 'x')", False),
        ("dict.get", "d.get(k, None)", True),
        ("dict.get", "d.get(k, default)", False),
        ("dict.get", "d.get(*args)", None),
        ("re.match", "re.match(p, s)", True),
        ("re.Pattern.match", "pattern.match(s)", True),
        ("re.Pattern.fullmatch", "pattern.fullmatch(s, 0)", True),
        ("os.environ.get", "os.environ.get('HOME')", True),
        ("os.environ.get", "os.environ.get('HOME', '/')", False),
        ("os.environ.get", "os.environ.get('HOME', default=None)", True),
        ("os.getenv", "os.getenv('HOME')", True),
        ("os.getenv", "os.getenv('HOME', 'x')", False),
        ("getattr", "getattr(o, 'n', None)", True),
        ("getattr", "getattr(o, 'n')", False),
        ("getattr", "getattr(o, 'n', 0)", False),
        ("getattr", "getattr(o, 'n', fallback)", False),
        ("next", "next(it, None)", True),
        ("next", "next(it)", False),
        ("next", "next(it, 0)", False),
        ("shutil.which", "shutil.which('git')", True),
        ("shutil.which", "shutil.which(tool)", True),
        ("xml.etree.ElementTree.Element.find", "element.find('x')", True),
        ("inspect.getmodule", "inspect.getmodule(obj)", True),
        ("importlib.util.find_spec", "find_spec('x')", True),
        ("str.strip", "s.strip()", False),
    ],
)
def test_returns_optional_per_call(kb: Knowledge, name: str, source: str, expected: bool | None) -> None:
    assert kb.returns_optional(name, call(source)) is expected


def test_returns_optional_without_a_call(kb: Knowledge) -> None:
    assert kb.returns_optional("re.match") is True
    assert kb.returns_optional("re.search") is True
    assert kb.returns_optional("len") is False
    assert kb.returns_optional("dict.get") is None  # it depends on the default
    assert kb.returns_optional("no.such.function") is None


def test_call_shapes_without_libcst(kb: Knowledge) -> None:
    assert kb.returns_optional("dict.get", CallShape((UNKNOWN,))) is True
    assert kb.returns_optional("dict.get", CallShape((UNKNOWN, None))) is True
    assert kb.returns_optional("dict.get", CallShape((UNKNOWN, "x"))) is False
    assert kb.returns_optional("next", CallShape((UNKNOWN, None))) is True


def test_call_shape_reads_literals() -> None:
    shape = CallShape.of(call("f(None, True, 'rb', b'x', -1, 2.5, x, 'a' 'b', f'{x}', k=None, *a, **kw)"))
    assert shape.positional == (None, True, "rb", b"x", -1, 2.5, UNKNOWN, "ab", UNKNOWN)
    assert shape.keywords == (("k", None),)
    assert shape.star_args and shape.star_kwargs


def test_tuple_items_may_be_none(kb: Knowledge) -> None:
    facts = kb.function("mimetypes.guess_type")
    assert facts is not None
    returns = facts.signatures[0].returns
    assert returns is not None and returns.items is not None
    assert [item.optional for item in returns.items] == [True, True]
    assert not returns.optional


# -- return and variable types --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "source", "expected"),
    [
        ("re.compile", None, "re.Pattern"),
        ("re.Pattern.match", None, "re.Match"),
        ("open", "open(p)", "io.TextIOWrapper"),
        ("open", "open(p, 'r', encoding='utf-8')", "io.TextIOWrapper"),
        ("open", "open(p, 'rb')", "io.BufferedReader"),
        ("open", "open(p, 'wb')", "io.BufferedWriter"),
        ("open", "open(p, mode='ab')", "io.BufferedWriter"),
        ("open", "open(p, 'r+b')", "io.BufferedRandom"),
        ("open", "open(p, 'rb', buffering=0)", "io.FileIO"),
        ("open", "open(p, mode)", "typing.IO"),
        ("open", None, None),  # depends on the mode
        ("io.open", "io.open(p, 'rb')", "io.BufferedReader"),
        ("os.fdopen", "os.fdopen(fd, 'rb')", "io.BufferedReader"),
        ("tempfile.TemporaryFile", "tempfile.TemporaryFile()", "io.BufferedRandom"),
        ("sqlite3.connect", "sqlite3.connect(':memory:')", "sqlite3.Connection"),
        ("sqlite3.connect", None, "sqlite3.Connection"),  # a factory's TypeVar is bound to it
        ("subprocess.Popen", "subprocess.Popen(args)", "subprocess.Popen"),
        ("subprocess.run", "subprocess.run(args, text=True)", "subprocess.CompletedProcess"),
        ("socket.create_connection", None, "socket.socket"),
        ("ssl.SSLContext.wrap_socket", None, "ssl.SSLSocket"),
        ("pathlib.Path.resolve", None, "pathlib.Path"),
        ("pathlib.Path.with_suffix", None, "pathlib.Path"),  # Self, from PurePath
        ("datetime.datetime.now", None, "datetime.datetime"),
        ("tarfile.open", None, "tarfile.TarFile"),
        ("multiprocessing.Lock", None, "multiprocessing.synchronize.Lock"),
        ("asyncio.get_event_loop", None, "asyncio.AbstractEventLoop"),
        ("urllib.request.urlopen", None, "http.client.HTTPResponse"),  # an override
    ],
)
def test_return_type(kb: Knowledge, name: str, source: str | None, expected: str | None) -> None:
    assert kb.return_type(name, call(source) if source else None) == expected


def test_a_typed_receiver_types_its_method_calls(kb: Knowledge) -> None:
    pattern = kb.return_type("re.compile", call("re.compile('x')"))
    assert pattern == "re.Pattern"
    assert kb.returns_optional(f"{pattern}.match", call("p.match(s)")) is True
    loop = kb.return_type("asyncio.get_event_loop")
    assert kb.is_coroutine_function(f"{loop}.sock_recv")


@pytest.mark.parametrize(
    ("name", "expected", "optional"),
    [
        ("os.environ", "os._Environ", False),
        ("sys.stdout", "typing.TextIO", False),
        ("sys.argv", "builtins.list", False),
        ("subprocess.Popen.stdout", "typing.IO", True),
        ("re.Match.lastgroup", "builtins.str", True),  # a property
        ("xml.etree.ElementTree.Element.text", "builtins.str", True),
    ],
)
def test_variable_type(kb: Knowledge, name: str, expected: str, optional: bool) -> None:
    assert kb.variable_type(name) == expected
    facts = kb.variable(name)
    assert facts is not None and facts.optional is optional


def test_methods_are_found_through_the_mro(kb: Knowledge) -> None:
    keys = kb.method("os._Environ", "keys")
    assert keys is not None and keys.qualname == "typing.Mapping.keys"
    items = kb.function("os.environ.items")
    assert items is not None and items.qualname == "typing.Mapping.items"
    environ = kb.class_facts("os._Environ")
    assert environ is not None
    assert environ.ancestors[:3] == ("os._Environ", "typing.MutableMapping", "typing.Mapping")
    assert environ.ancestors[-1] == "builtins.object"
    get = kb.method("os._Environ", "get")
    assert get is not None and len(get.signatures) == 3
    assert [p.name for p in get.signatures[0].params] == ["key", "default"]  # self is bound


def test_private_defining_modules_map_to_public_names(kb: Knowledge) -> None:
    assert kb.public_name("_io.TextIOWrapper") == "io.TextIOWrapper"
    assert kb.public_name("io.TextIOWrapper") == "io.TextIOWrapper"
    assert kb.public_name("_collections_abc.Mapping") == "typing.Mapping"
    assert kb.public_name("collections.abc.Mapping") == "typing.Mapping"
    assert kb.public_name("asyncio.locks.Lock") == "asyncio.Lock"
    assert kb.public_name("concurrent.futures.thread.ThreadPoolExecutor") == ("concurrent.futures.ThreadPoolExecutor")
    assert kb.public_name("typing.Match") == "re.Match"
    assert kb.class_facts("_io.TextIOWrapper") == kb.class_facts("io.TextIOWrapper")
    assert kb.public_name("os") == "os"
    assert kb.public_name("no.such.thing") is None


def test_a_plain_import_behind_a_star_import_is_no_public_name(kb: Knowledge) -> None:
    # tracemalloc.pyi star-imports _tracemalloc, which imports Sequence; curses does the same with Any.
    assert kb.public_name("collections.abc.Sequence") == "typing.Sequence"
    assert kb.public_name("typing.Any") == "typing.Any"
    assert kb.public_name("_typeshed.SupportsRead") == "_typeshed.SupportsRead"


# -- resources and locks --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "open",
        "io.open",
        "os.fdopen",
        "socket.socket",
        "socket.create_connection",
        "subprocess.Popen",
        "sqlite3.connect",
        "urllib.request.urlopen",
        "http.client.HTTPConnection",
        "zipfile.ZipFile",
        "tarfile.open",
        "tempfile.TemporaryFile",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryDirectory",
        "mmap.mmap",
        "concurrent.futures.ThreadPoolExecutor",
        "multiprocessing.Pool",
        "selectors.DefaultSelector",
        "smtplib.SMTP",
        "ftplib.FTP",
        "socketserver.TCPServer",
        "ssl.SSLContext.wrap_socket",
        "os.scandir",
        "asyncio.new_event_loop",
        "contextlib.ExitStack",  # its callbacks run only when it is closed
    ],
)
def test_returns_a_resource(kb: Knowledge, name: str) -> None:
    assert kb.returns_resource(name) is True


@pytest.mark.parametrize(
    "name",
    [
        "io.StringIO",
        "threading.Lock",
        "contextlib.suppress",
        "contextlib.nullcontext",
        "len",
        "re.compile",
        "multiprocessing.Process",
        "logging.FileHandler",
        "xml.etree.ElementTree.XMLParser",
    ],
)
def test_returns_no_resource(kb: Knowledge, name: str) -> None:
    assert kb.returns_resource(name) is False


def test_release_methods(kb: Knowledge) -> None:
    popen = kb.class_facts("subprocess.Popen")
    assert popen is not None and popen.is_resource
    assert popen.release_methods == {"__exit__", "kill", "terminate", "wait"}
    lock = kb.class_facts("threading.Lock")
    assert lock is not None and lock.is_lock and not lock.is_resource
    assert {"release", "__exit__"} <= lock.release_methods
    suppress = kb.class_facts("contextlib.suppress")
    assert suppress is not None and suppress.release_methods == {"__exit__"}
    assert not suppress.is_resource and not suppress.is_lock
    generator = kb.class_facts("types.GeneratorType")
    assert generator is not None and not generator.is_resource
    assert generator.override is not None and "generator" in generator.override
    assert kb.is_resource_class("io.TextIOWrapper")
    assert kb.is_resource_class("_io.TextIOWrapper")
    assert not kb.is_resource_class("open")  # a function, not a class


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("threading.Lock", True),
        ("threading.RLock", True),
        ("threading.Condition", True),
        ("threading.Semaphore", True),
        ("threading.BoundedSemaphore", True),
        ("multiprocessing.Lock", True),
        ("multiprocessing.RLock", True),
        ("multiprocessing.synchronize.Lock", True),
        ("asyncio.Lock", True),
        ("asyncio.Semaphore", True),
        ("asyncio.Condition", True),
        ("threading.Event", False),
        ("logging.Handler", False),
        ("io.TextIOWrapper", False),
    ],
)
def test_lock_classes(kb: Knowledge, name: str, expected: bool) -> None:
    assert kb.is_lock_class(name) is expected


# -- coroutines, NoReturn, None-returning, pure -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "coroutine", "awaitable"),
    [
        ("asyncio.sleep", True, True),
        ("asyncio.wait_for", True, True),
        ("asyncio.gather", False, True),  # a Future
        ("asyncio.ensure_future", False, True),
        ("asyncio.AbstractEventLoop.sock_recv", True, True),
        ("asyncio.open_connection", True, True),
        ("time.sleep", False, False),
    ],
)
def test_coroutines(kb: Knowledge, name: str, coroutine: bool, awaitable: bool) -> None:
    assert kb.is_coroutine_function(name) is coroutine
    assert kb.returns_awaitable(name) is awaitable


@pytest.mark.parametrize(
    ("name", "expected"),
    [("sys.exit", True), ("os._exit", True), ("os.abort", True), ("exit", True), ("print", False)],
)
def test_noreturn(kb: Knowledge, name: str, expected: bool) -> None:
    assert kb.is_noreturn(name) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("list.append", True),
        ("dict.update", True),
        ("list.sort", True),
        ("set.add", True),
        ("list.pop", False),
        ("str.strip", False),
        ("asyncio.sleep", False),  # returns a coroutine
    ],
)
def test_returns_none(kb: Knowledge, name: str, expected: bool) -> None:
    assert kb.returns_none(name) is expected


@pytest.mark.parametrize(
    ("klass", "method", "expected"),
    [
        ("str", "strip", True),
        ("str", "join", True),
        ("bytes", "decode", True),
        ("tuple", "count", True),
        ("frozenset", "union", True),
        ("int", "bit_length", True),
        ("float", "hex", True),
        ("complex", "conjugate", True),
        ("bool", "__and__", True),
        ("range", "index", True),
        ("pathlib.PurePath", "with_suffix", True),
        ("pathlib.Path", "with_suffix", True),
        ("pathlib.Path", "write_text", False),  # Path's own methods do I/O
        ("datetime.date", "replace", True),
        ("datetime.datetime", "replace", True),
        ("datetime.time", "replace", True),
        ("datetime.timedelta", "total_seconds", True),
        ("decimal.Decimal", "quantize", True),
        ("fractions.Fraction", "limit_denominator", True),
        ("ipaddress.IPv4Network", "subnets", True),
        ("typing.NamedTuple", "_replace", True),
        ("list", "copy", False),
        ("list", "append", False),
        ("dict", "get", False),
    ],
)
def test_immutable_methods(kb: Knowledge, klass: str, method: str, expected: bool) -> None:
    assert kb.is_immutable_method(klass, method) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sorted", True),
        ("copy.deepcopy", True),
        ("re.sub", True),
        ("dataclasses.replace", True),
        ("os.path.join", True),
        ("str.upper", True),
        ("list.append", False),
        ("print", False),
    ],
)
def test_pure(kb: Knowledge, name: str, expected: bool) -> None:
    assert kb.is_pure(name) is expected


def test_describe(kb: Knowledge) -> None:
    assert "returns Optional (Match" in kb.describe("re.match")
    assert "returns a resource (io.TextIOWrapper" in kb.describe("open")
    assert "lock" in kb.describe("threading.Lock")
    assert "Optional items" in kb.describe("mimetypes.guess_type")
    assert "unknown" in kb.describe("no.such.name")
    assert kb.describe("os") == "os: module os"


# -- stub reading ---------------------------------------------------------------------------


def test_version_and_platform_branches_are_decided_for_the_target() -> None:
    source = b"""
import sys
if sys.version_info >= (3, 12):
    def new() -> int: ...
else:
    def old() -> int: ...
if sys.platform == "win32":
    def windows() -> int: ...
elif sys.platform.startswith("linux") and sys.version_info[0] >= 3:
    def linux() -> int: ...
if sys.version_info[:2] < (3, 11) or not sys.platform != "darwin":
    def legacy() -> int: ...
if something_else:
    def either() -> int: ...
"""
    py311 = read_stub(source, "m", False, Target((3, 11, 4), "linux")).members
    assert {"old", "linux", "either"} <= set(py311)
    assert not {"new", "windows", "legacy"} & set(py311)
    py312 = read_stub(source, "m", False, Target((3, 12, 0), "win32")).members
    assert {"new", "windows", "either"} <= set(py312)
    assert not {"old", "linux", "legacy"} & set(py312)


def test_an_implementation_after_its_overloads_is_not_a_signature() -> None:
    """Inline-typed code (click's get_current_context) writes the implementation after the
    overloads; callers see the overloads only, or `silent=False` would read as Optional."""
    source = b"""
from typing import Literal, overload
@overload
def current(silent: Literal[False] = False) -> int: ...
@overload
def current(silent: bool = ...) -> int | None: ...
def current(silent: bool = False) -> int | None:
    return None
def plain() -> int: ...
def plain() -> str: ...
"""
    members = read_stub(source, "m", False, Target((3, 11, 4), "linux")).members
    current, plain = members["current"], members["plain"]
    assert isinstance(current, StubOverloads) and [s.returns for s in current.signatures] == ["int", "int | None"]
    assert isinstance(plain, StubOverloads) and [s.returns for s in plain.signatures] == ["str"]


def test_typeshed_versions_decide_which_modules_exist() -> None:
    stdlib = Typeshed.locate().stdlib
    py310 = stdlib_modules(stdlib, (3, 10, 0))
    py312 = stdlib_modules(stdlib, (3, 12, 0))
    assert "tomllib" not in py310 and "tomllib" in py312
    assert "distutils" in py310 and "distutils" not in py312
    assert "distutils.command" in py310  # a submodule lives as long as its parent


# -- the cache ------------------------------------------------------------------------------


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Target]:
    """Replace the stdlib build by a one-module table, recording each build."""
    recorded: list[Target] = []

    def build(typeshed: Typeshed, target: Target) -> Table:
        recorded.append(target)
        stub = read_stub(b"def f() -> int | None: ...\n", "tiny", False, target)
        return Table({"tiny": pickle.dumps(stub, pickle.HIGHEST_PROTOCOL)}, {})

    monkeypatch.setattr(query, "build_table", build)
    return recorded


def _cache_file(directory: Path) -> Path:
    (path,) = directory.glob("knowledge/*/*")
    return path


def test_cache_hit(tmp_path: Path, builds: list[Target]) -> None:
    first = Knowledge.load(environment=TARGET, cache_dir=tmp_path)
    second = Knowledge.load(environment=TARGET, cache_dir=tmp_path)
    assert len(builds) == 1
    assert not first.from_cache and second.from_cache
    assert second.returns_optional("tiny.f") is True


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"garbage",
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),
        lambda data: b"X" + data[1:],
    ],
    ids=["garbage", "empty", "truncated", "flipped-byte", "bad-magic"],
)
def test_corrupt_cache_is_rebuilt(tmp_path: Path, builds: list[Target], damage: object) -> None:
    Knowledge.load(environment=TARGET, cache_dir=tmp_path)
    path = _cache_file(tmp_path)
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    rebuilt = Knowledge.load(environment=TARGET, cache_dir=tmp_path)
    assert not rebuilt.from_cache and len(builds) == 2
    assert rebuilt.returns_optional("tiny.f") is True
    assert Knowledge.load(environment=TARGET, cache_dir=tmp_path).from_cache  # repaired


def test_cache_of_another_version_is_rebuilt(tmp_path: Path, builds: list[Target]) -> None:
    Knowledge.load(environment=TARGET, cache_dir=tmp_path)
    path = _cache_file(tmp_path)
    table = cache.load(tmp_path, path.name)
    assert table is not None
    cache.save(tmp_path, "f" * 32, table)  # intact, but for another mypy or schema
    (tmp_path / "knowledge" / "ff" / ("f" * 32)).replace(path)
    rebuilt = Knowledge.load(environment=TARGET, cache_dir=tmp_path)
    assert not rebuilt.from_cache and len(builds) == 2


def test_cache_key_covers_the_target(monkeypatch: pytest.MonkeyPatch) -> None:
    typeshed = Typeshed.locate()
    key = cache.cache_key(typeshed, Target((3, 12, 0), "linux"))
    assert key != cache.cache_key(typeshed, Target((3, 11, 0), "linux"))
    assert key != cache.cache_key(typeshed, Target((3, 12, 0), "win32"))
    monkeypatch.setattr(cache, "SCHEMA", cache.SCHEMA + 1)
    assert key != cache.cache_key(typeshed, Target((3, 12, 0), "linux"))


class _Planted:
    """Pickles as a call of ``os.mkdir``: unpickling it would create ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.path),)


def test_cache_refuses_pickled_code(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    key = "0123456789abcdef" * 2
    for planted in ((_Planted(marker), {}), ({"m": _Planted(marker)}, {}), _Planted(marker)):
        # A well-formed entry (header, digest) whose payload is a planted pickle.
        payload = pickle.dumps(planted, pickle.HIGHEST_PROTOCOL)
        Store(tmp_path).put(dataclasses.replace(cache.KNOWLEDGE, encode=lambda _: payload), key, Table({}, {}))
        assert cache.load(tmp_path, key) is None
    assert not marker.exists()
    with pytest.raises(pickle.UnpicklingError):
        cache.loads_record(pickle.dumps(_Planted(marker)))
    assert not marker.exists()


def test_cache_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "0123456789abcdef" * 2
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str, destination: str) -> None:
        replaced.append((str(source), str(destination)))
        assert Path(source).read_bytes()  # fully written before it takes the final name
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    cache.save(tmp_path / "sub", key, Table({}, {}))
    ((source, destination),) = replaced
    path = _cache_file(tmp_path / "sub")
    assert destination == str(path) and Path(source).parent == path.parent
    assert cache.load(tmp_path / "sub", key) == Table({}, {})
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    cache.save(tmp_path, "0123456789abcdef" * 2, Table({}, {}))
    assert [p for p in tmp_path.rglob("*") if not p.is_dir()] == []


def test_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAFELINT_KNOWLEDGE_CACHE", str(tmp_path / "explicit"))
    assert cache.cache_directory() == tmp_path / "explicit"
    monkeypatch.delenv("SAFELINT_KNOWLEDGE_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_directory() == tmp_path / "xdg" / "safelint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache.cache_directory() == Path.home() / ".cache" / "safelint"


# -- third-party stubs and the checked project's interpreter --------------------------------


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _site_packages(root: Path) -> Path:
    """A site-packages with a stub package, a typed package and an untyped one."""
    site = root / "site-packages"
    _write(
        site / "foo-stubs" / "__init__.pyi",
        "from foo.net import Conn as Conn, connect as connect\ndef find(name: str) -> int | None: ...\n",
    )
    _write(
        site / "foo-stubs" / "net.pyi",
        "class Conn:\n    def close(self) -> None: ...\ndef connect() -> Conn: ...\n",
    )
    _write(site / "foo" / "__init__.py", "def find(name): return 1\n")  # the stubs win
    _write(site / "bar" / "py.typed", "")
    _write(
        site / "bar" / "__init__.py",
        "from typing import TYPE_CHECKING\n"
        "from .core import lookup as lookup, stream as stream\n"
        "if TYPE_CHECKING:\n    from .core import Reader\nelse:\n    Reader = object\n"
        "def reader() -> Reader: ...\n",
    )
    _write(
        site / "bar" / "core.py",
        "from typing import AsyncIterator\n"
        "def lookup(key: str) -> str | None:\n    return None\n"
        "async def stream() -> AsyncIterator[int]:\n    yield 1\n"
        "class Reader:\n    def close(self) -> None: ...\n",
    )
    _write(site / "baz" / "__init__.py", "def lookup(key: str) -> str | None: ...\n")
    return site


def test_installed_stub_and_typed_packages(tmp_path: Path, cache_dir: Path, kb: Knowledge) -> None:
    site = _site_packages(tmp_path)
    environment = Environment(TARGET.version, TARGET.platform, (site,))
    third_party = Knowledge.load(environment=environment, cache_dir=cache_dir)
    assert third_party.from_cache  # third-party stubs are read on demand, not cached
    assert third_party.returns_optional("foo.find", call("foo.find('x')")) is True
    assert third_party.returns_resource("foo.connect") is True
    assert third_party.return_type("foo.connect") == "foo.net.Conn"
    assert third_party.returns_optional("bar.lookup") is True
    assert third_party.returns_resource("bar.reader") is True  # Reader under TYPE_CHECKING
    assert not third_party.is_coroutine_function("bar.stream")  # an async generator
    assert third_party.function("baz.lookup") is None  # no py.typed: not trusted
    assert kb.function("foo.find") is None  # not in the pinned environment


def test_the_checked_projects_interpreter_is_asked(tmp_path: Path, cache_dir: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    (site,) = [p for p in environment_paths(str(python)) if p.name == "site-packages"]
    assert site.is_relative_to(venv.resolve()) or site.is_relative_to(venv)
    _write(site / "foo-stubs" / "__init__.pyi", "def find(name: str) -> int | None: ...\n")
    knowledge = Knowledge.load(python=str(python), cache_dir=cache_dir)
    assert knowledge.returns_optional("foo.find") is True
    assert knowledge.environment.version == tuple(sys.version_info[:3])


def test_the_current_environment_without_a_subprocess() -> None:
    paths = environment_paths(None)
    assert Path(cst.__file__).resolve().parent.parent in [p.resolve() for p in paths]
    assert probe_environment(None).platform == sys.platform


def test_a_broken_interpreter_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError):
        probe_environment(str(tmp_path / "no-python"))


class _Stubs:
    """A ModuleSource over stub texts, for the linker alone."""

    def __init__(self, texts: dict[str, bytes]) -> None:
        target = Target((3, 11, 4), "linux")
        self._modules = {name: read_stub(text, name, False, target) for name, text in texts.items()}

    def module(self, name: str) -> StubModule | None:
        return self._modules.get(name)


def test_a_class_attribute_aliasing_the_module_name_it_shadows_resolves_to_it() -> None:
    """pytest's ``class Session: Interrupted = Interrupted``: the value is read before the
    class binds the name, so it is the module's class (this once recursed until the stack ran out)."""
    linker = Linker(
        _Stubs(
            {
                "m": b"class Interrupted(KeyboardInterrupt): ...\n"
                b"class Session:\n    Interrupted = Interrupted\n    A = B\n    B = A\n",
                "builtins": b"class KeyboardInterrupt: ...\n",
            }
        ),
        {},
    )
    session = linker.member("m", "Session")
    assert session is not None and isinstance(session.target, Definition)
    found = linker.class_member(session.target, "Interrupted")
    assert found is not None and isinstance(found.target, Definition)
    assert (found.target.module, found.target.path) == ("m", ("Interrupted",))
    assert linker.class_member(session.target, "A") is not None  # a cycle of aliases ends
