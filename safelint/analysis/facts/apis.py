"""The hand-reviewed API tables: what the stubs cannot say about resources, file descriptors,
thread pools and thread starters, containers and cleanup calls.

Every analysis and rule reads these tables from here and nowhere else: two copies of one
table drift apart (a thread pool known to one analysis and not to another), and a reviewer
must find in one place everything safelint assumes about an API by name.
"""

from __future__ import annotations

import re
from typing import Final

# -- resources and file descriptors (SL4) ------------------------------------------------------

FD_FUNCTIONS: Final = frozenset({"os.open", "os.dup", "os.eventfd", "os.memfd_create", "os.pidfd_open", "os.openat"})
"""Calls returning a raw file descriptor (an ``int``) that ``os.close`` must release."""

FD_MODULES: Final = frozenset({"os", "posix", "nt", "fcntl", "termios", "tty", "select", "builtins", "pty", "stat"})
"""Modules whose functions take a descriptor only to use it, never to keep it."""

FD_RELEASERS: Final = frozenset({"os.close", "posix.close", "nt.close"})

FD_STREAM_SETTERS: Final = frozenset({"os.dup2", "posix.dup2", "nt.dup2"})
"""``os.dup2(fd, 0)`` makes what ``fd`` opened a standard stream (a daemon's ``/dev/null``, a
log file): the descriptor is handed to that stream (a ``dup2`` that fails aborts the
daemon's start-up, which is no path to clean up on). When the stream
was closed first, ``fd`` *is* the stream and closing it would close stdin; otherwise one stray
descriptor stays beside it for the process's life, which no maintainer counts as a leak."""

FD_BORROWERS: Final = frozenset({"mmap.mmap", "socket.fromfd"})
"""Constructors that duplicate a descriptor instead of taking it."""

TUPLE_ACQUIRERS: Final[dict[str, tuple[str, tuple[int, ...]]]] = {
    "os.pipe": ("fd", (0, 1)),
    "os.pipe2": ("fd", (0, 1)),
    "os.openpty": ("fd", (0, 1)),
    "pty.openpty": ("fd", (0, 1)),
    "tempfile.mkstemp": ("fd", (0,)),
    "socket.socketpair": ("resource", (0, 1)),
    "socket.socket.accept": ("resource", (0,)),
}
"""Calls returning a tuple some of whose items are owned: the kind and the positions."""

NOT_ACQUIRED: Final = frozenset(
    {
        "os.scandir",  # iterating to the end closes it, and that is how it is used
        "contextlib.ExitStack.enter_context",  # the stack owns what it enters
        "contextlib.ExitStack.enter_async_context",
        "contextlib.AsyncExitStack.enter_context",
        "contextlib.AsyncExitStack.enter_async_context",
        "contextlib.closing",
        "contextlib.nullcontext",
        "selectors.SelectSelector",  # holds no descriptor: close() only forgets registrations
        "selectors.PollSelector",
    }
)
"""Calls the knowledge base calls resource-returning, whose result nobody has to release."""

STARTED_RESOURCES: Final = frozenset({"multiprocessing.managers.BaseManager"})
"""Classes whose instance holds nothing until ``start()`` (a manager's server process):
the ``start()`` call acquires, the constructor does not. ``multiprocessing.Manager()``
returns one already started."""

CLOSED_WHEN_EXHAUSTED: Final = frozenset({"fileinput.input", "fileinput.FileInput"})
"""Resources whose iteration to the end closes them: ``for line in fileinput.input():`` is
fine, a ``FileInput`` bound and never iterated nor closed keeps its file (and the module's
``input() already active`` state)."""

INDEPENDENT_METHODS: Final = frozenset({"accept", "dup", "wrap_socket", "open", "socket"})
"""Methods of a resource that return a resource of its own, not a view of the receiver
(``sock.accept()``, ``sock.dup()``). Other resource-returning methods of a resource
(``conn.cursor()``, ``sock.makefile()``, ``zf.open(name)``, ``conn.getresponse()``)
return something its receiver owns or closes along with it."""

GENERIC_RELEASES: Final = frozenset(
    {
        "close",
        "aclose",
        "shutdown",
        "server_close",
        "cleanup",
        "terminate",
        "kill",
        "wait",
        "release",
        "__exit__",
        "__aexit__",
        "quit",
    }
)
"""Release methods accepted when the resource's class is not known."""

POPEN_RELEASES: Final = frozenset({"wait", "communicate", "poll", "__exit__"})
"""A child process is released when it is reaped; ``kill()``/``terminate()`` alone are not enough."""

ASYNC_CHILD_RELEASES: Final = frozenset({"wait", "communicate", "kill", "terminate"})
"""An asyncio child process is reaped by the event loop's child watcher once it exits, and its
pipe transport closes with it: waiting for it, reading it to the end, or ending it all do. It
has no ``close()`` and is no context manager."""

ASYNC_CHILD_CLASS: Final = "asyncio.subprocess.Process"

SERVES_UNTIL_EXIT: Final = frozenset({"serve_forever"})
"""Methods that run until the process ends when nothing else holds the object: no one can
call ``shutdown()`` on an anonymous server, so it lives exactly as long as its process."""

MOVING_METHODS: Final = frozenset({"detach", "pop_all"})
"""Methods that hand what the object holds to someone else."""

OWNERSHIP_TAKERS: Final = frozenset(
    {
        "os.fdopen",
        "builtins.open",
        "io.open",
        "atexit.register",
        "weakref.finalize",
        "contextlib.closing",
        "builtins.setattr",
        "builtins.iter",
        "builtins.vars",
        "builtins.id",  # a key in someone's table
        "builtins.memoryview",  # the view keeps the object alive and is handed on with it
        "asyncio.set_event_loop",  # the current loop: whoever runs or replaces it closes it
        "asyncio.events.set_event_loop",
    }
)
"""Functions that take over (or may take over) what they are given."""

REGISTERING_CALLS: Final = frozenset(
    {
        "enter_context",
        "enter_async_context",
        "push",
        "push_async_exit",
        "callback",
        "register",
        "finalize",
        "add",
        "append",
    }
)
"""Calls that take an object, or its release method, to release it later: an instance that
``__init__`` hands to one (``stack.enter_context(self)``, ``atexit.register(self.close)``)
is released by what it registered with."""

CASTS: Final = frozenset({"typing.cast", "typing_extensions.cast"})
"""Calls that return their last argument itself: no new object, and no owner but the caller."""

SELF_RELEASERS: Final = frozenset({"close", "cleanup", "shutdown", "terminate", "release", "__exit__"})
"""A release method handed on as a callback (``atexit.register(self.close)``)."""

SQLITE_CONNECT: Final = frozenset({"sqlite3.connect", "sqlite3.Connection", "sqlite3.dbapi2.connect"})
"""A sqlite3 connection's ``with`` commits or rolls back; it does not close."""

OPENERS: Final = frozenset(
    {"builtins.open", "io.open", "_io.open", "os.fdopen", "os.open", "codecs.open", "tokenize.open", "io.open_code"}
)
"""Calls that open a path: they acquire a descriptor, they never wrap a stream."""

LOCK_NAME: Final = re.compile(r"(?:^|_)(?:r?lock|mutex|sem|semaphore|cond|condition|cv)$|[a-z]lock$", re.I)
"""A name that ends like a lock, for SL404: strict, because a lock taken for something else
would be a false report of a lock never released."""

# -- Calls that cannot raise (exception paths SL4 follows) -----------------------------------

QUIET_CALLS: Final = frozenset(
    {
        "time.monotonic", "time.monotonic_ns", "time.perf_counter", "time.perf_counter_ns",
        "time.time", "time.time_ns", "time.process_time", "time.thread_time",
        "collections.deque.append", "collections.deque.appendleft", "builtins.list.append",
        "threading.Condition.notify", "threading.Condition.notify_all", "threading.Condition.wait",
        "threading.Event.set",
        "threading.Event.clear", "threading.Event.is_set", "threading.get_ident",
        "threading.current_thread", "os.getpid",
        "socket.socket.setsockopt", "socket.socket.settimeout", "socket.socket.setblocking",
        *(
            f"{owner}.{level}"
            for owner in ("logging", "logging.Logger", "logging.LoggerAdapter")
            for level in ("debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log")
        ),
    }
)  # fmt: skip
"""Calls that do not raise on any argument (an append to a list or deque, reading a clock; a
logging call, whose handlers report their own errors through ``Handler.handleError``), or
only where the code is already wrong (``Condition.notify()`` without its lock held, a socket
option the platform lacks set on a socket just made): a lock taken before ``q.append(x);
cond.notify()`` and released after is always released, and a leak on the exception path is
blamed on ``bind()``, not on the ``setsockopt()`` before it."""
QUIET_CALL_NAMES: Final = frozenset(q.rpartition(".")[2] for q in QUIET_CALLS)
"""Their last names: only a call so named is resolved to ask."""

QUIET_ITERATION: Final = frozenset({"builtins.list", "builtins.tuple", "builtins.frozenset"})
"""Containers whose iteration cannot fail (a dict or set changed by the loop's body raises)."""

QUIET_BUILTINS: Final = frozenset(
    {"isinstance", "issubclass", "hasattr", "getattr", "callable", "id", "type", "len", "bool"}
)
"""Builtins that do not raise on what code passes them (``getattr`` only with a default)."""

QUIET_METHOD_NAMES: Final = frozenset(
    {"kill", "terminate", "send_signal", "poll", "is_set", "locked", "is_alive", "done", "cancelled"}
)
"""Methods quiet on whatever receiver, so matched by name alone: signalling a child
(``proc.kill()`` in the documented ``TimeoutExpired`` idiom) and asking an event, lock,
thread or future about its state."""


# -- None decided by the environment (SL2) -----------------------------------------------------

ENVIRONMENT_LOOKUPS: Final = frozenset(
    {
        "os._Environ.get",  # os.environ.get, os.environb.get
        "os.getenv",
        "os.getenvb",
        "shutil.which",
        "importlib.util.find_spec",
        "importlib.machinery.PathFinder.find_spec",
        "ctypes.util.find_library",
        "os.cpu_count",
        "os.process_cpu_count",
    }
)
"""Calls whose None the machine the program runs on decides, not the program's own data: an
unset variable, a module or program not installed, a count the platform cannot tell. No
invariant of the code can rule that None out, which is why SL2 reports these by default and
other declared Optionals only with its ``declared-optionals`` option."""

# -- threads (SL3) ------------------------------------------------------------------------------

LOCK_LIKE_NAME: Final = re.compile(
    r"(?:^|_)(?:r?lock|mutex|mtx|cond(?:ition)?|cv|sem(?:aphore)?)(?:_|$|\d)|lock$", re.I
)
"""A name that may be a lock, for SL3: liberal, because holding any lock silences a race
report, so a lock mistaken for something else would cost a false report."""

THREAD_POOLS: Final = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "multiprocessing.pool.ThreadPool",
        "multiprocessing.dummy.Pool",
    }
)
"""Pools whose tasks run on threads (``multiprocessing`` process pools share no memory)."""

THREAD_STARTERS: Final[dict[str, tuple[str, int | None]]] = {
    "threading.Thread": ("target", None),
    "threading.Timer": ("function", 1),
    "_thread.start_new_thread": ("function", 0),
    "asyncio.to_thread": ("func", 0),
}
"""Callables that run their argument on a new thread: its keyword and its position."""

THREAD_STARTER_NAMES: Final = frozenset({"to_thread", "start_new_thread", "start_new"})
"""Lower-case callables that start threads; other calls are resolved only when they name a
class (``Thread``, ``Timer``, a subclass), which keeps name resolution off most calls."""

FUTURES: Final = frozenset({"concurrent.futures.Future", "concurrent.futures._base.Future"})

TASK_FACTORIES: Final = frozenset({"create_task", "ensure_future"})
"""Calls that run a coroutine as a task of the event loop (a loop's, ``asyncio``'s, a
``TaskGroup``'s)."""

TASK_FACTORY_NAME: Final = re.compile(r"^(?:create|spawn|start|schedule)_\w*task$")
"""A project's own wrapper of ``create_task`` (``create_referenced_task``, ``spawn_task``),
called with the coroutine to run as a task."""

THREADING_SERVERS: Final = frozenset(
    {
        "socketserver.ThreadingMixIn",
        "socketserver.ThreadingTCPServer",
        "socketserver.ThreadingUDPServer",
        "socketserver.ThreadingUnixStreamServer",
        "socketserver.ThreadingUnixDatagramServer",
        "http.server.ThreadingHTTPServer",
    }
)
"""Servers that handle each request on a thread of its own."""

REQUEST_HANDLER_BASES: Final = ("socketserver.BaseRequestHandler", "http.server.BaseHTTPRequestHandler")

THREAD_SAFE_PREFIXES: Final = ("threading.", "queue.", "contextvars.", "asyncio.", "multiprocessing.", "_thread.")
"""Values from these modules are thread-safe or thread-confined by design: never shared state."""

# -- containers ---------------------------------------------------------------------------------

MUTABLE_CONTAINERS: Final = frozenset(
    {
        "builtins.dict",
        "builtins.list",
        "builtins.set",
        "builtins.bytearray",
        "collections.defaultdict",
        "collections.OrderedDict",
        "collections.Counter",
        "collections.deque",
        "collections.ChainMap",
        "weakref.WeakKeyDictionary",
        "weakref.WeakValueDictionary",
        "weakref.WeakSet",
    }
)
"""Classes whose instances change in place: shared ones are state threads can race on."""

CONTAINER_MUTATORS: Final = frozenset(
    {
        "append",
        "extend",
        "insert",
        "pop",
        "popitem",
        "remove",
        "clear",
        "update",
        "setdefault",
        "add",
        "discard",
        "appendleft",
        "extendleft",
        "popleft",
        "sort",
        "reverse",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
    }
)
"""Methods that change a container in place: each call is a write."""

ITERATING_METHODS: Final = frozenset({"items", "keys", "values"})
"""Views that iterate a mapping: changing it meanwhile raises ``RuntimeError``."""

# -- cleanup (SL1) ------------------------------------------------------------------------------

CLEANUP_CALLS: Final = frozenset(
    {
        "close",
        "aclose",
        "shutdown",
        "release",
        "cleanup",
        "terminate",
        "kill",
        "unlink",
        "remove",
        "rmdir",
        "removedirs",
        "rmtree",
        "cancel",
        "join",
        "flush",
        "stop",
        "disconnect",
        "wait",
        "server_close",
        "quit",
        "__exit__",
        "__del__",
    }
)
"""Calls whose failure during cleanup is routinely ignored: the resource is going away anyway."""
