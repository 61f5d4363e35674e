"""Icecat's documented error answers, with the exact codes, messages and HTTP statuses.

Codes 8 and 9 are byte-for-byte the live bodies in `samples/*error*.txt`; the HTTP statuses of the other
codes are inferred (api notes §2): 1-4 → 400, 5/7/9/10/12 → 403, 8 → 404.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

from fastapi.responses import Response

JSON_MESSAGES: dict[int, str] = {
    1: "UserName, and lang are mandatory fields",
    2: "Lang is unknown",
    3: "{user} the Icecat user is unknown",
    4: "Product identifier(s) is not correct",
    5: "You have wrong ip address for access",
    7: "Wrong matching shopname with app_key",
    8: "The requested product is not present in the Icecat database",
    9: (
        "To access Full Icecat content, an app_key is required. "
        "Full Icecat users can find it on their My Profile page."
    ),
    10: "Not found user by application_key",
    12: (
        "The requested product is limited for the current user vertical, "
        "please contact your account manager at Icecat"
    ),
}
HTTP_STATUS: dict[int, tuple[int, str]] = {
    1: (400, "Bad Request"),
    2: (400, "Bad Request"),
    3: (400, "Bad Request"),
    4: (400, "Bad Request"),
    5: (403, "Forbidden"),
    7: (403, "Forbidden"),
    9: (403, "Forbidden"),
    10: (403, "Forbidden"),
    12: (403, "Forbidden"),
    8: (404, "Not Found"),
}

XML_NOT_PRESENT = "The requested XML data-sheet is not present in the Icecat database."
XML_FULL_REQUIRED = "You are not allowed to have Full Icecat access"
XML_RESTRICTED = "Access to this product and language is restricted"
# Not documented by Icecat for the XML interface; the sandbox's own wording for unusable parameters.
XML_BAD_REQUEST = "Wrong request parameters: give lang and one of ean_upc, prod_id+vendor or product_id"


class IcecatError(Exception):
    """An Icecat JSON error `code`; `user` fills the message of code 3."""

    def __init__(self, code: int, user: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.user = user

    @property
    def message(self) -> str:
        return JSON_MESSAGES[self.code].format(user=self.user)

    def json_body(self) -> dict[str, object]:
        status, reason = HTTP_STATUS[self.code]
        return {"StatusCode": self.code, "Code": status, "Error": reason, "Message": self.message}

    def to_response(self) -> Response:
        body = json.dumps(self.json_body(), separators=(",", ":"), ensure_ascii=False)
        return Response(body, status_code=HTTP_STATUS[self.code][0], media_type="application/json")


def xml_error_response(message: str) -> Response:
    """The XML interface's error: HTTP 200, `<Product Code="-1" ID="??" ErrorMessage=...>`."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE ICECAT-interface SYSTEM "http://data.icecat.biz/dtd/ICECAT-interface_response.dtd">'
        '<ICECAT-interface xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="http://data.icecat.biz/xsd/ICECAT-interface_response.xsd">\n'
        f'<Product Code="-1" ID="??" ErrorMessage={quoteattr(message)} />\n'
        "</ICECAT-interface>\n"
    )
    return Response(body, status_code=200, media_type="text/xml")
