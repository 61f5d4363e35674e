"""GTINs as shops type them: EAN-8, UPC-A (12 digits), EAN-13 and GTIN-14, checked by their GS1 check digit.

Why: catalogues hold every form. A valid UPC-A or GTIN-14 is not a bad product, yet a check that only knows
EAN-13 quarantined it. The check digit is computed by `python-stdnum` (`stdnum.ean`, which covers all four
lengths), and a failure says which digit was expected, so the person fixing Akeneo need not recompute it.

Icecat lists a GTIN under its 13-digit form (leading zero added to a UPC-A) and matches it without its
leading zeros (api-notes: `GTIN` holds both `0882780751682` and `882780751682`). So a valid code is looked up
in its 13-digit form when it has 13 or fewer significant digits (UPC-A gains a leading 0, a GTIN-14 whose
indicator digit is 0 loses it); EAN-8 stays 8 digits (its own numbering) and a GTIN-14 with a packaging
indicator stays 14.
"""

from __future__ import annotations

from dataclasses import dataclass

from stdnum import ean
from stdnum.exceptions import InvalidChecksum

FORMS = {8: "EAN-8", 12: "UPC-A", 13: "EAN-13", 14: "GTIN-14"}


@dataclass(frozen=True)
class GtinCheck:
    """The verdict on one code: `normalized` is what to ask Icecat for (None when the code is invalid)."""

    code: str
    valid: bool
    form: str | None = None
    normalized: str | None = None
    problem: str | None = None


def check_gtin(value: object) -> GtinCheck:
    """Check one GTIN in any of the four forms; spaces and dashes are ignored, as GS1 prints them."""
    text = str(value).strip() if value is not None else ""
    digits = ean.compact(text)
    form = FORMS.get(len(digits))
    if not digits.isdigit() or form is None:
        return GtinCheck(text, False, None, None,
                         f"is not a GTIN: EAN-8, UPC-A, EAN-13 or GTIN-14 have 8, 12, 13 or 14 digits, "
                         f"this has {len(digits)} characters")
    try:
        ean.validate(digits)
    except InvalidChecksum:
        expected = ean.calc_check_digit(digits[:-1])
        return GtinCheck(text, False, form, None,
                         f"fails the {form} check digit: its last digit is {digits[-1]}, "
                         f"the check digit of {digits[:-1]} is {expected}")
    return GtinCheck(text, True, form, icecat_form(digits))


def icecat_form(digits: str) -> str:
    """The form Icecat lists a valid code under: 13 digits when it has 13 or fewer significant digits
    beyond EAN-8, else as given."""
    if len(digits) == 8:
        return digits
    significant = digits.lstrip("0")
    return significant.zfill(13) if len(significant) <= 13 else digits


def normalized_gtin(value: object) -> str | None:
    """The code in its Icecat form when it is a valid GTIN; the text as given otherwise (validation then
    quarantines it with `check_gtin`'s message); None for an empty value."""
    if value is None or not str(value).strip():
        return None
    check = check_gtin(value)
    return check.normalized if check.valid else str(value).strip()
