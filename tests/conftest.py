from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_configure(config: pytest.Config) -> None:
    # Slow tests still run by default; `-m "not slow"` leaves them out of a quick local loop.
    config.addinivalue_line("markers", "slow: builds environments from PyPI (pre-commit); runs in the normal suite")


class CrossModuleSample:
    """A project whose one SL201 is known only through another module (``pkg.store.find`` always
    returns None), beside an unrelated finding ``--fix`` can fix (SL102: add ``await``).

    The finding must be the same however the file is named and from wherever, for each way a
    project can be marked (``layout``): a git work tree, a ``pyproject.toml``, a ``setup.cfg``,
    or nothing at all.
    """

    STORE = "def find(key: str) -> None:\n    print(key)\n"
    APP = (
        "import asyncio\n\nfrom pkg import store\n\n\n"
        "def show(key: str) -> str:\n    return store.find(key).lower()\n\n\n"
        "async def tick() -> None:\n    asyncio.sleep(0.1)\n"
    )
    AT = ("SL201", 7, 12)  # code, line, column of the cross-module finding in pkg/app.py
    LAYOUTS = {
        "git": {".git/": ""},
        "pyproject": {".git/": "", "pyproject.toml": "[project]\nname = 'demo'\n\n[tool.safelint]\n"},
        "setup-cfg": {"setup.cfg": "[metadata]\nname = demo\n"},
        "bare": {},
    }

    def __init__(self, layout: str, factory: pytest.TempPathFactory) -> None:
        self.layout = layout
        self.factory = factory

    def make(self) -> Path:
        """A fresh copy (``--fix`` rewrites the files)."""
        root = self.factory.mktemp(self.layout)
        files = {**self.LAYOUTS[self.layout], "pkg/__init__.py": "", "pkg/store.py": self.STORE, "pkg/app.py": self.APP}
        for name, text in files.items():
            if name.endswith("/"):
                (root / name).mkdir()
            else:
                (root / name).parent.mkdir(exist_ok=True)
                (root / name).write_text(text, encoding="utf-8")
        return root


@pytest.fixture(params=sorted(CrossModuleSample.LAYOUTS))
def cross_module(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CrossModuleSample:
    return CrossModuleSample(request.param, tmp_path_factory)
