from typing import NoReturn, Optional

from typing_extensions import TypeIs

PRICES = {"apple": 3}


def find_price(item: str) -> Optional[int]:
    return PRICES.get(item)


def find_name(item: str) -> str | None:
    return item if item in PRICES else None


def normalize(item: str | None) -> str | None:
    return item.strip() if item is not None else None


def price(item: str) -> int:
    return PRICES[item]


class Cart:
    def __init__(self) -> None:
        self.owner: str | None = None

    def claim(self, owner: str) -> None:
        self.owner = owner


def refuse(message: str) -> NoReturn:
    """Converts a problem into an error and raises it: a call of it ends the path."""
    raise ValueError(message)


def is_priced(item: object) -> TypeIs[int]:
    """Narrows its argument for the caller, in whichever module it calls."""
    return isinstance(item, int)
