"""Identifiers of synthetic products, shared by both sandboxes so that scale runs line up: product `i` of
the Akeneo generator has the GTIN, brand and MPN that product `i` of the Icecat generator is found by.
"""
from __future__ import annotations


def ean13_check_digit(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def synthetic_gtin(index: int) -> str:
    """A valid EAN-13 in the in-store prefix range 20-29, so it can never collide with a real product."""
    first12 = f"20{index:010d}"
    return first12 + ean13_check_digit(first12)


def synthetic_mpn(index: int) -> str:
    return f"SYN-{index:07d}"


SYNTHETIC_BRANDS = ("DELL", "Samsung", "Lenovo", "Philips", "HP", "Jabra", "iiyama")


def synthetic_brand(index: int) -> str:
    return SYNTHETIC_BRANDS[index % len(SYNTHETIC_BRANDS)]


def synthetic_icecat_id(index: int) -> int:
    return 900_000_000 + index
