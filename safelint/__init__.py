"""safelint: the bugs Rust's compiler catches, found statically in Python code.

The programmatic API (docs/api.md) is what the command line and the language server use:
``check_paths`` and ``check_source`` return a ``RunResult`` whose ``findings`` are
``Finding`` objects — the JSON finding contract, the stable part.
"""

__version__ = "0.1.0"  # first: the modules imported below read it while this one loads

from safelint.api import RunOptions, SettingsResolver, check_paths, check_source
from safelint.config import ConfigError, Overrides
from safelint.discovery import DiscoveryError
from safelint.results import Applicability, Edit, Finding, Fix, Related, RunResult, Severity

__all__ = [
    "Applicability",
    "ConfigError",
    "DiscoveryError",
    "Edit",
    "Finding",
    "Fix",
    "Overrides",
    "Related",
    "RunOptions",
    "RunResult",
    "SettingsResolver",
    "Severity",
    "__version__",
    "check_paths",
    "check_source",
]
