"""GTIN forms: EAN-8, UPC-A, EAN-13 and GTIN-14 pass their GS1 check digit; the Icecat form of each."""
from __future__ import annotations

import pytest
from icecat_akeneo.catalog.gtin import check_gtin, normalized_gtin


@pytest.mark.parametrize(("code", "form", "icecat"), [
    ("96385074", "EAN-8", "96385074"),
    ("036000291452", "UPC-A", "0036000291452"),
    ("882780751682", "UPC-A", "0882780751682"),
    ("0882780751682", "EAN-13", "0882780751682"),
    ("4948570114344", "EAN-13", "4948570114344"),
    ("5397184119709", "EAN-13", "5397184119709"),
    ("00882780751682", "GTIN-14", "0882780751682"),
    ("10614141000415", "GTIN-14", "10614141000415"),
    (" 4948-5701-14344 ", "EAN-13", "4948570114344"),
])
def test_every_valid_form_passes_and_is_looked_up_in_icecats_form(code: str, form: str, icecat: str) -> None:
    check = check_gtin(code)
    assert (check.valid, check.form, check.normalized, check.problem) == (True, form, icecat, None)
    assert normalized_gtin(code) == icecat


@pytest.mark.parametrize(("code", "problem"), [
    ("4948570114345", "fails the EAN-13 check digit: its last digit is 5, the check digit of 494857011434 is 4"),
    ("036000291453", "fails the UPC-A check digit: its last digit is 3, the check digit of 03600029145 is 2"),
    ("96385075", "fails the EAN-8 check digit: its last digit is 5, the check digit of 9638507 is 4"),
    ("10614141000416", "fails the GTIN-14 check digit: its last digit is 6, the check digit of 1061414100041 is 5"),
    ("49485701143A4", "is not a GTIN: EAN-8, UPC-A, EAN-13 or GTIN-14 have 8, 12, 13 or 14 digits, "
                      "this has 13 characters"),
    ("1234567890", "is not a GTIN: EAN-8, UPC-A, EAN-13 or GTIN-14 have 8, 12, 13 or 14 digits, "
                   "this has 10 characters"),
])
def test_an_invalid_code_fails_with_the_digit_it_expected(code: str, problem: str) -> None:
    check = check_gtin(code)
    assert (check.valid, check.normalized, check.problem) == (False, None, problem)
    assert normalized_gtin(code) == code  # kept as given, so validation quarantines it with this message


@pytest.mark.parametrize("empty", [None, "", "   "])
def test_no_gtin_is_neither_valid_nor_normalised(empty: object) -> None:
    assert check_gtin(empty).valid is False
    assert normalized_gtin(empty) is None
