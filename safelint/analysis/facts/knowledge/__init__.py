"""Facts about library APIs, derived from the typeshed stubs inside mypy and installed stubs.

Rules ask a :class:`Knowledge`; see ``query.py`` for what it answers.
"""

from .calls import UNKNOWN, CallShape
from .environment import Environment, KnowledgeError, environment_paths, probe_environment
from .model import ClassFacts, FunctionFacts, Param, ParamKind, Signature, TypeFacts
from .query import Knowledge

__all__ = [
    "UNKNOWN",
    "CallShape",
    "ClassFacts",
    "Environment",
    "FunctionFacts",
    "Knowledge",
    "KnowledgeError",
    "Param",
    "ParamKind",
    "Signature",
    "TypeFacts",
    "environment_paths",
    "probe_environment",
]
