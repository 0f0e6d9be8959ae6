"""A function started on a thread by another module runs on a thread in its own module too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from safelint.cli import main

WORKER = """\
COUNTS = {}


def work(key):
    COUNTS[key] = COUNTS.get(key, 0) + 1


def total():
    return sum(COUNTS.values())
"""

STARTER = """\
import threading

from pkg.worker import work


def start():
    for key in ("a", "b"):
        threading.Thread(target=work, args=(key,)).start()
"""


def run_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str]) -> list[tuple[str, int, str]]:
    package = tmp_path / "pkg"
    package.mkdir(exist_ok=True)
    (tmp_path / ".git").mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    for name, text in files.items():
        (package / name).write_text(text)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "pkg", "--isolated", "--select", "SL3", "--format", "json", "-j", "1"])
    return sorted((Path(f["path"]).name, f["line"], f["code"]) for f in json.loads(result.stdout))


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, starter: str) -> list[tuple[str, int, str]]:
    return run_with(tmp_path, monkeypatch, {"worker.py": WORKER, "starter.py": starter})


def test_a_thread_target_in_another_module_is_an_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = run(tmp_path, monkeypatch, STARTER)
    assert [f for f in found if f[0] == "worker.py"] == [("worker.py", 5, "SL301")]


def test_without_the_other_module_starting_it_there_is_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = run(tmp_path, monkeypatch, "from pkg.worker import work\n\n\ndef start():\n    work('a')\n")
    assert found == []


HELPER = """\
SEEN = set()
TOTAL = 0


def remember(key):
    global TOTAL
    SEEN.add(key)
    TOTAL += 1


def snapshot():
    return [key for key in SEEN]
"""


def test_calls_are_followed_across_modules_from_a_thread_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker = "from pkg import helper\n\n\ndef work(key):\n    helper.remember(key)\n"
    found = run_with(tmp_path, monkeypatch, {"worker.py": worker, "starter.py": STARTER, "helper.py": HELPER})
    assert [f for f in found if f[0] == "helper.py"] == [("helper.py", 7, "SL305"), ("helper.py", 8, "SL301")]


def test_a_helper_only_the_main_thread_calls_is_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    worker = "from pkg import helper\n\n\ndef work(key):\n    return key\n\n\ndef main():\n    helper.remember('a')\n"
    found = run_with(tmp_path, monkeypatch, {"worker.py": worker, "starter.py": STARTER, "helper.py": HELPER})
    assert [f for f in found if f[0] == "helper.py"] == []


BASE = """\
class BaseHandler:
    _view_middleware = None

    def load_middleware(self):
        self._view_middleware = {}
        for name in ("a", "b"):
            self._view_middleware[name] = len(name)

    def get_response(self, request):
        for middleware in self._view_middleware:
            middleware(request)
"""

WSGI = """\
from pkg.base import BaseHandler


class WSGIHandler(BaseHandler):
    def __init__(self):
        self.load_middleware()

    def __call__(self, environ):
        return self.get_response(environ)

    def reload(self):
        self.load_middleware()
"""

BUILT_ON_THREAD = """\
import threading

from pkg.wsgi import WSGIHandler


class ServerThread(threading.Thread):
    def run(self):
        handler = WSGIHandler()
        handler("request")
"""

RELOADED_ON_THREAD = """\
import threading

from pkg.wsgi import WSGIHandler


class Reloader(threading.Thread):
    def __init__(self):
        super().__init__()
        self.handler = WSGIHandler()

    def run(self):
        self.handler.reload()
"""


def test_a_method_a_constructor_calls_on_a_thread_builds_an_unshared_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django's ``LiveServerThread`` builds its ``WSGIHandler`` on its own thread: the
    middleware lists ``load_middleware`` fills are built before anything serves."""
    files = {"base.py": BASE, "wsgi.py": WSGI, "server.py": BUILT_ON_THREAD}
    assert run_with(tmp_path, monkeypatch, files) == []


def test_the_same_method_run_on_a_thread_on_a_kept_object_still_races(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"base.py": BASE, "wsgi.py": WSGI, "server.py": BUILT_ON_THREAD, "reloader.py": RELOADED_ON_THREAD}
    assert [f for f in run_with(tmp_path, monkeypatch, files) if f[0] == "base.py"] == [("base.py", 7, "SL305")]


SAME_MODULE = """\
class Handler:
    def __init__(self):
        self._middleware = set()
        self._load()

    def _load(self):
        for name in ("a", "b"):
            self._middleware.add(name)

    def __call__(self, request):
        for middleware in self._middleware:
            middleware(request)
"""

BUILT_HERE = """\
import threading

from pkg.handler import Handler


def serve():
    handler = Handler()
    handler("request")


def start():
    threading.Thread(target=serve).start()
"""


def test_a_helper_only_the_constructor_calls_builds_an_unshared_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_with(tmp_path, monkeypatch, {"handler.py": SAME_MODULE, "server.py": BUILT_HERE}) == []


def test_a_helper_a_thread_also_calls_on_a_shared_object_races(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reload`` runs ``_load`` again, on a thread, on an object that is already serving."""
    reloading = SAME_MODULE + "\n    def reload(self):\n        self._load()\n"
    starter = BUILT_HERE + "\n\nclass Reloader(threading.Thread):\n    def run(self):\n        HANDLER.reload()\n"
    starter += "\n\nHANDLER = Handler()\n"
    found = run_with(tmp_path, monkeypatch, {"handler.py": reloading, "server.py": starter})
    assert [f for f in found if f[0] == "handler.py"] == [("handler.py", 8, "SL305")]


VIRTUAL = """\
class Channel:
    def queue_bind(self, queue):
        self._queue_bind(queue)

    def queue_delete(self, queue):
        self._delete(queue)

    def _queue_bind(self, queue):
        pass

    def _delete(self, queue):
        pass
"""

TRANSPORT = """\
import threading

from pkg.virtual import Channel as VirtualChannel


class Channel(VirtualChannel):
    _queue_cache = {}

    def __init__(self):
        self._extender = threading.Thread(target=self._extend, daemon=True)
        self._extender.start()

    def _queue_bind(self, queue):
        self._queue_cache[queue] = object()

    def _delete(self, queue):
        self._queue_cache.pop(queue, None)

    def _extend(self):
        while True:
            for queue in self._queue_cache.values():
                print(queue)
"""


def test_a_hook_a_base_class_calls_from_its_api_runs_beside_a_background_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kombu's GCP transport: the extender thread loops over the queue cache that
    ``queue_bind`` and ``queue_delete`` (through their private hooks) change."""
    found = run_with(tmp_path, monkeypatch, {"virtual.py": VIRTUAL, "transport.py": TRANSPORT})
    assert found == [("transport.py", 14, "SL305")]


def test_a_private_method_no_base_class_calls_stays_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    virtual = VIRTUAL.replace("self._queue_bind(queue)", "pass").replace("self._delete(queue)", "pass")
    assert run_with(tmp_path, monkeypatch, {"virtual.py": virtual, "transport.py": TRANSPORT}) == []


SPAWN = """\
import threading


def default_create_thread(callback):
    thread = threading.Thread(None, callback)
    thread.daemon = True
    thread.start()
    return thread


def call_now(callback):
    return callback()
"""

CLIENT = """\
from pkg import utils


class Client:
    def __init__(self):
        self.sent = 0
        self.pumped = 0
        self.ticks = 0
        self.create_thread_fc = utils.default_create_thread

    def start(self):
        utils.default_create_thread(self._loop)
        utils.default_create_thread(self._loop)

    def start_via_field(self):
        for _ in range(2):
            self.create_thread_fc(self._pump)

    def start_inline(self):
        utils.call_now(self._tick)
        utils.call_now(self._tick)

    def _loop(self):
        self.sent += 1

    def _pump(self):
        self.pumped += 1

    def _tick(self):
        self.ticks += 1
"""


def test_a_helper_of_another_module_that_starts_its_parameter_starts_a_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``utils.default_create_thread(self._loop)``, called by name or through a field that
    holds it, starts ``_loop`` on a thread; ``utils.call_now`` only calls what it is given."""
    found = run_with(tmp_path, monkeypatch, {"utils.py": SPAWN, "client.py": CLIENT})
    assert found == [("client.py", 24, "SL301"), ("client.py", 27, "SL301")]
