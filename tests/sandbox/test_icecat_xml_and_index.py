"""The XML interface (xml_s3) and the index files behave like data.icecat.biz."""

from __future__ import annotations

import csv
import gzip
import io

import httpx
import pytest
from lxml import etree

from tests.conftest import ICECAT_FULL, ICECAT_OPEN_USER, Sandbox

OPEN_AUTH = (ICECAT_OPEN_USER, "any-password")
FULL_AUTH = (ICECAT_FULL["username"], "sandbox-full-password")


def xml(icecat: Sandbox, query: str, auth: tuple[str, str] | None = OPEN_AUTH) -> httpx.Response:
    return httpx.get(f"{icecat.base_url}/xml_s3/xml_server3.cgi?{query}", auth=auth, timeout=10)


def product_of(response: httpx.Response) -> etree._Element:
    assert response.status_code == 200
    return etree.fromstring(response.content).find("Product")


@pytest.mark.parametrize(
    ("query", "product_id"),
    [
        ("ean_upc=4948570114344;lang=EN;output=productxml", "29900045"),
        ("ean_upc=88698205440&lang=en&output=productxml", "4794974"),
        ("prod_id=SM-G930FZKAPHN;vendor=samsung;lang=DE;output=productxml", "31040076"),
        ("product_id=56195846;lang=EN;output=productxml", "56195846"),
    ],
)
def test_xml_lookups(icecat: Sandbox, query: str, product_id: str) -> None:
    product = product_of(xml(icecat, query))
    assert product.get("Code") == "1"
    assert product.get("ID") == product_id


def test_xml_serves_the_language_asked_for(icecat: Sandbox) -> None:
    german = product_of(xml(icecat, "ean_upc=8806088281285;lang=DE;output=productxml"))
    assert german.get("Title").endswith("Schwarz")
    assert german.find("Category/Name").get("langid") == "4"
    international = product_of(xml(icecat, "ean_upc=8806088281285;lang=INT;output=productxml"))
    assert international.find("Category/Name").get("langid") == "1"  # INT exists in XML: EN content


@pytest.mark.parametrize(
    ("query", "auth", "message"),
    [
        (
            "ean_upc=5011113506001;lang=EN;output=productxml",
            OPEN_AUTH,
            "The requested XML data-sheet is not present in the Icecat database.",
        ),
        (
            "ean_upc=0052742001203;lang=EN;output=productxml",
            OPEN_AUTH,
            "You are not allowed to have Full Icecat access",
        ),
        ("ean_upc=4948570114344;lang=XX;output=productxml", OPEN_AUTH, None),
        ("lang=EN;output=productxml", OPEN_AUTH, None),
    ],
)
def test_xml_errors_are_code_minus_one_with_http_200(
    icecat: Sandbox, query: str, auth: tuple[str, str], message: str | None
) -> None:
    product = product_of(xml(icecat, query, auth))
    assert (product.get("Code"), product.get("ID")) == ("-1", "??")
    if message:
        assert product.get("ErrorMessage") == message


def test_xml_requires_basic_auth(icecat: Sandbox) -> None:
    assert xml(icecat, "ean_upc=4948570114344;lang=EN", auth=None).status_code == 401
    assert (
        xml(icecat, "ean_upc=4948570114344;lang=EN", auth=(ICECAT_FULL["username"], "bad")).status_code == 401
    )
    full = xml(icecat, "ean_upc=0052742001203;lang=EN;output=productxml", auth=FULL_AUTH)
    assert product_of(full).get("Code") == "-1"  # Hill's exists only as JSON: no XML data-sheet
    assert product_of(xml(icecat, "ean_upc=4948570114344;lang=EN", auth=FULL_AUTH)).get("Code") == "1"


def index(
    icecat: Sandbox, name: str, auth: tuple[str, str] = OPEN_AUTH, level: str = "freexml", lang: str = "EN"
) -> httpx.Response:
    return httpx.get(f"{icecat.base_url}/export/{level}/{lang}/{name}", auth=auth, timeout=30)


def files_of(response: httpx.Response) -> list[etree._Element]:
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.tag == "ICECAT-interface"
    listing = root.find("files.index")
    assert len(listing.get("Generated")) == 14
    return listing.findall("file")


def test_full_index_lists_sponsor_samples_for_open_users(icecat: Sandbox) -> None:
    entries = {f.get("Product_ID"): f for f in files_of(index(icecat, "files.index.xml"))}
    assert {"56195846", "31040076", "4794974", "29900045", "125004573"} <= set(entries)
    assert "600000001" not in entries  # Hill's is Full Icecat only
    dell = entries["56195846"]
    assert dell.get("path") == "export/freexml.int/EN/56195846.xml"
    assert dell.get("Updated") == "20180716142535"
    assert dell.get("Prod_ID") == "5587-9709"
    assert [e.get("Value") for e in dell.findall("EAN_UPCS/EAN_UPC")] == ["5397184119709"]
    full_entries = {
        f.get("Product_ID") for f in files_of(index(icecat, "files.index.xml", FULL_AUTH, "level4"))
    }
    assert "600000001" in full_entries


def test_level4_refuses_open_users_and_index_needs_auth(icecat: Sandbox) -> None:
    assert index(icecat, "files.index.xml", level="level4").status_code == 401
    assert httpx.get(f"{icecat.base_url}/export/freexml/EN/daily.index.xml", timeout=10).status_code == 401


def test_daily_index_lists_changes_of_the_last_generation(icecat: Sandbox) -> None:
    assert files_of(index(icecat, "daily.index.xml")) == []
    httpx.post(f"{icecat.base_url}/_sandbox/mutate", json={"icecat_ids": [56195846]}, timeout=10)
    httpx.post(f"{icecat.base_url}/_sandbox/remove", json={"icecat_ids": [29900045]}, timeout=10)
    assert files_of(index(icecat, "daily.index.xml")) == []  # listed from the next generation on
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate", timeout=10)
    daily = {f.get("Product_ID"): f.get("Quality") for f in files_of(index(icecat, "daily.index.xml"))}
    assert daily == {"56195846": "ICECAT", "29900045": "REMOVED"}
    full = {f.get("Product_ID") for f in files_of(index(icecat, "files.index.xml"))}
    assert "29900045" not in full
    httpx.post(f"{icecat.base_url}/_sandbox/index/generate", timeout=10)
    assert files_of(index(icecat, "daily.index.xml")) == []


def test_csv_and_gzip_forms_match_the_xml(icecat: Sandbox) -> None:
    xml_ids = [f.get("Product_ID") for f in files_of(index(icecat, "files.index.xml"))]
    rows = list(csv.DictReader(io.StringIO(index(icecat, "files.index.csv").text), delimiter="\t"))
    assert [row["product_id"] for row in rows] == xml_ids
    assert rows[0]["path"].startswith("export/freexml.int/EN/")
    unzipped = gzip.decompress(index(icecat, "files.index.xml.gz").content)
    assert [f.get("Product_ID") for f in etree.fromstring(unzipped).find("files.index")] == xml_ids


def test_product_xml_by_index_path(icecat: Sandbox) -> None:
    response = httpx.get(f"{icecat.base_url}/export/freexml.int/DE/31040076.xml", auth=OPEN_AUTH, timeout=10)
    assert product_of(response).get("Title").endswith("Schwarz")
    assert index(icecat, "nothing.index.xml").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "ean_upc=%00;lang=EN",
        "product_id=" + "9" * 40 + ";lang=EN",
        "vendor=;prod_id=;lang=;output=",
        "lang=EN;output=productxml;ean_upc=4948570114344;ean_upc=1",
        ";;;&&&=",
        "ean_upc=4948570114344;lang=EN;output=x",
    ],
)
def test_bad_xml_input_never_gives_a_server_error(icecat: Sandbox, query: str) -> None:
    assert xml(icecat, query).status_code < 500


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/data-creation/requests", "not json"),
        ("POST", "/data-creation/requests", "[1]"),
        ("POST", "/data-creation/requests?shopname=openIcecat-live", '{"gtin": 5}'),
        ("POST", "/_sandbox/mutate", '{"icecat_ids": ["x", -1, 1e99]}'),
        ("POST", "/_sandbox/mutate", '{"ratio": "a"}'),
        ("POST", "/_sandbox/faults", '{"latency_ms": "slow"}'),
        ("POST", "/_sandbox/remove", "{}"),
        ("GET", "/export/freexml/XX/daily.index.xml", ""),
    ],
)
def test_bad_input_on_other_routes_never_gives_a_server_error(
    icecat: Sandbox, method: str, path: str, body: str
) -> None:
    response = httpx.request(method, icecat.base_url + path, content=body, auth=OPEN_AUTH, timeout=10)
    assert response.status_code < 500
