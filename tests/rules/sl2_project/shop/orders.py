from typing import Callable, Optional

from shop import lookup
from shop.lookup import find_name, find_price, is_priced, normalize, price


def total(item: str, count: int) -> int:
    return find_price(item) * count  # expect: SL205


def label(item: str) -> str:
    return find_name(item).title()  # expect: SL201


def label_via_module(item: str) -> str:
    return lookup.find_name(item).upper()  # expect: SL201


def checked_total(item: str, count: int) -> int:
    unit = find_price(item)
    if unit is None:
        return 0
    return unit * count


def passthrough(item: str) -> str:
    return normalize(item).upper()


def plain(item: str) -> int:
    return price(item) + 1


def refused_when_missing(sku: str, fallback: Optional[Callable[[], str]]) -> str:
    if fallback is None:
        try:
            return sku.upper()
        except Exception as error:
            lookup.refuse(f"bad sku: {error}")
    return fallback()


def guarded_by_imported_type_is(item: str) -> bool:
    found = find_price(item)
    return is_priced(found) and found > 1


def guard_of_another_value(item: str, other: object) -> bool:
    found = find_price(item)
    return is_priced(other) and found > 1  # expect: SL205
