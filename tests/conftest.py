from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_configure(config: pytest.Config) -> None:
    # Slow tests still run by default; `-m "not slow"` leaves them out of a quick local loop.
    config.addinivalue_line("markers", "slow: builds environments from PyPI (pre-commit); runs in the normal suite")
