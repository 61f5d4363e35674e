"""The dry-run diff: what a sync would change, value by value, before anything is sent."""
from __future__ import annotations

from icecat_akeneo.steps.dry_run import value_changes


def test_only_added_and_changed_values_are_listed_with_before_and_after() -> None:
    current = {"name": [{"locale": "en_US", "scope": None, "data": "Old"}],
               "brand": [{"locale": None, "scope": None, "data": "HP"}]}
    desired = {"name": [{"locale": "en_US", "scope": None, "data": "New"},
                        {"locale": "de_DE", "scope": None, "data": "Neu"}],
               "brand": [{"locale": None, "scope": None, "data": "HP"}]}
    rows = value_changes("SKU-1", current, desired)
    assert [(r["attribute"], r["locale"], r["change"], r["before"], r["after"]) for r in rows] == [
        ("name", "de_DE", "added", None, '"Neu"'),
        ("name", "en_US", "changed", '"Old"', '"New"'),
    ]
