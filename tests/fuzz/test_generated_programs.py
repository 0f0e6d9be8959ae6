"""Property test: no rule raises on any program hypothesmith can generate.

A few hundred examples run in the normal suite; ``bench/fuzz.py`` runs the long campaign.
"""

from pathlib import Path

import hypothesmith
from hypothesis import HealthCheck, given, settings

from safelint.config import Settings
from safelint.engine import Checker

CHECKER = Checker(Settings(root=Path("."), extend_select=("ALL",)))


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_grammar() | hypothesmith.from_node())
def test_no_internal_error_on_generated_programs(source: str) -> None:
    result = CHECKER.check_bytes(source.encode("utf-8", "surrogatepass"), "generated.py")
    assert result.internal_errors == []
