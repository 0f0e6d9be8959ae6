"""What the stubs cannot say, reviewed by hand; every entry carries its reason.

Names are those users import; they are resolved through the stubs like any query, so an
entry keeps working when typeshed moves a definition (``_io`` vs ``io``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Override:
    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReturnOverride:
    name: str
    returns: str
    """The class the callable returns, replacing the stub's annotation."""
    reason: str


IMMUTABLE_CLASSES: tuple[Override, ...] = (
    Override("builtins.str", "value type: every method returns a new string"),
    Override("builtins.bytes", "value type: every method returns new bytes"),
    Override("builtins.int", "value type"),
    Override("builtins.bool", "value type (its own operators too, not only int's)"),
    Override("builtins.float", "value type"),
    Override("builtins.complex", "value type"),
    Override("builtins.tuple", "immutable sequence"),
    Override("builtins.frozenset", "immutable set: union/difference return new sets"),
    Override("builtins.range", "immutable sequence"),
    Override(
        "pathlib.PurePath",
        "pure paths compute new paths; Path's own methods do I/O "
        "and are not covered, only what it inherits from PurePath",
    ),
    Override("datetime.date", "value type: replace() returns a new date"),
    Override("datetime.datetime", "value type: replace() and astimezone() return new values"),
    Override("datetime.time", "value type: replace() returns a new time"),
    Override("datetime.timedelta", "value type"),
    Override("decimal.Decimal", "value type: quantize() and friends return new Decimals"),
    Override("fractions.Fraction", "value type"),
    Override("ipaddress.IPv4Address", "value type"),
    Override("ipaddress.IPv6Address", "value type"),
    Override("ipaddress.IPv4Network", "value type"),
    Override("ipaddress.IPv6Network", "value type"),
    Override("ipaddress.IPv4Interface", "value type"),
    Override("ipaddress.IPv6Interface", "value type"),
    Override("typing.NamedTuple", "a tuple: _replace() returns a new instance"),
    Override("re.Pattern", "compiled patterns never change: sub() returns the new string"),
)
"""Value types: a method that returns something computes it instead of mutating.

A method counts when the value type or one of its bases defines it: ``Path.with_suffix``
(from ``PurePath``) is pure, ``Path.write_text`` (``Path``'s own, it does I/O) is not."""

PURE_FUNCTIONS: tuple[Override, ...] = (
    Override("builtins.sorted", "returns a new list; the argument is not sorted in place"),
    Override("builtins.reversed", "returns an iterator; nothing is reversed in place"),
    Override("builtins.len", "no side effect"),
    Override("builtins.abs", "no side effect"),
    Override("builtins.round", "no side effect"),
    Override("builtins.min", "no side effect"),
    Override("builtins.max", "no side effect"),
    Override("builtins.sum", "no side effect"),
    Override("builtins.any", "no side effect"),
    Override("builtins.all", "no side effect"),
    Override("builtins.map", "lazy: dropping the iterator means the function never runs"),
    Override("builtins.filter", "lazy: dropping the iterator means nothing is filtered"),
    Override("builtins.zip", "lazy: dropping the iterator does nothing"),
    Override("builtins.isinstance", "no side effect"),
    Override("builtins.repr", "no side effect"),
    Override("copy.copy", "returns the copy; the argument is unchanged"),
    Override("copy.deepcopy", "returns the copy; the argument is unchanged"),
    Override("re.sub", "returns the new string; strings are immutable"),
    Override("re.subn", "returns the new string and the count"),
    Override("re.escape", "returns the escaped string"),
    Override("dataclasses.replace", "returns a new instance; the argument is unchanged"),
    Override("os.path.join", "returns the joined path; nothing is created"),
    Override("os.path.normpath", "returns the normalised path; nothing is touched"),
    Override("os.path.splitext", "returns the parts; nothing is touched"),
    Override("shlex.quote", "returns the quoted string"),
    Override("json.dumps", "returns the string; nothing is written"),
)
"""Functions whose only effect is their result: stubs carry no effect information."""

NOT_RESOURCES: tuple[Override, ...] = (
    Override(
        "typing.Generator",
        "close() stops a generator early; the garbage collector does the same, and an unclosed generator leaks nothing",
    ),
    Override("typing.AsyncGenerator", "as typing.Generator"),
    Override(
        "typing.Coroutine",
        "close() abandons a coroutine; an un-awaited coroutine is another rule's concern (SL1), not a leak",
    ),
    Override("io.StringIO", "in memory: nothing to release, no ResourceWarning"),
    Override("io.BytesIO", "in memory: nothing to release, no ResourceWarning"),
    Override("html.parser.HTMLParser", "close() means end of input, not release"),
    Override("email.feedparser.FeedParser", "close() means end of input and returns the message"),
    Override("xml.etree.ElementTree.XMLParser", "close() means end of input and returns the root"),
    Override("xml.etree.ElementTree.XMLPullParser", "close() means end of input"),
    Override("xml.etree.ElementTree.TreeBuilder", "close() returns the built tree"),
    Override("xml.sax.xmlreader.IncrementalParser", "close() means end of input"),
    Override("xmlrpc.client.ExpatParser", "close() means end of input"),
    Override("xmlrpc.client.Unmarshaller", "close() returns the unmarshalled values"),
    Override(
        "urllib.request.BaseHandler",
        "close() only drops references; handlers are owned by the opener they are added to",
    ),
    Override("urllib.request.OpenerDirector", "close() only drops its handlers"),
    Override("wsgiref.handlers.BaseHandler", "close() ends a request, the server calls it"),
    Override(
        "logging.Handler",
        "handlers are handed to a logger and closed by "
        "logging.shutdown() at exit, not owned by the code that creates them",
    ),
    Override(
        "multiprocessing.process.BaseProcess",
        "close() only frees the handle early; "
        "join() is what a process needs, and the collector releases the handle silently",
    ),
    Override(
        "multiprocessing.queues.Queue",
        "the pipe and feeder thread are released by the collector; close() is an optional early signal",
    ),
    Override(
        "requests.models.Response",
        "read in full by default (stream=False), which returns its connection to the pool; "
        "close() matters only for stream=True",
    ),
    Override("pip._vendor.requests.models.Response", "as requests.models.Response"),
    Override(
        "tkinter.Misc",
        "widgets are destroyed with their root window; tix's Tree.close() collapses a node",
    ),
)
"""Classes the derived rule (a ``close``-like method and no ``acquire``) would call resources."""

RELEASED_BY_ATTRIBUTE: tuple[Override, ...] = (
    Override(
        "multiprocessing.managers.BaseManager",
        "start() (and multiprocessing.Manager(), which starts one) runs a server process that "
        "lives until shutdown(); the stubs declare shutdown as a `_Finalize` attribute set by "
        "start(), not as a method",
    ),
)
"""Resource classes whose ``shutdown`` the stubs declare as an attribute, not a method."""

RETURN_TYPES: tuple[ReturnOverride, ...] = (
    ReturnOverride(
        "urllib.request.urlopen",
        "http.client.HTTPResponse",
        "typeshed says Any (it may also return an addinfourl for file:, ftp: and data: "
        "URLs); every result is a closeable response that holds a socket or a file",
    ),
    ReturnOverride(
        "wave.open",
        "wave.Wave_read",
        "typeshed's overload for a mode not written as a literal (or none) says Any; the "
        "result is a Wave_read or a Wave_write, each holding the file it opened until close()",
    ),
)
