"""Point 7 (seeding): the demo catalogue contract, fixture files, the synthetic generator."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandbox.akeneo.testing import ApiSession, api_fixture  # noqa: F401 - provides the `api` fixture
from sandbox.process import REPO_ROOT, free_port, running_server
from sandbox.synthetic import ean13_check_digit

DEMO_ROWS = {  # docs/demo-catalogue.md: sku -> (family, ean, brand, mpn)
    "DEMO-DELL-G5": ("laptops", "5397184119709", "DELL", "5587-9709"),
    "DEMO-SAMSUNG-S25": ("smartphones", "8806095858456", "Samsung", "SM-S936BLGGEUB"),
    "DEMO-LENOVO-TAB": ("tablets", "0198153749065", "Lenovo", "ZAE40006SE"),
    "DEMO-PHILIPS-MON": ("monitors", "8721038002294", "Philips", "27B2N3500J/00"),
    "DEMO-PHILIPS-HS": ("headsets", "4895229127005", "Philips", "TAG5106BK/00"),
    "DEMO-JABRA-HS": ("headsets", None, "Jabra", "25089-899-899-01"),
    "DEMO-HP-6710B": ("laptops", "0882780751682", "HP", "RJ459AV"),
    "DEMO-SAMSUNG-S7": ("smartphones", "8806088281285", "Samsung", "SM-G930FZKAPHN"),
    "DEMO-HP-INK": ("printing", "0088698205440", "HP", "C4844A"),
    "DEMO-IIYAMA": ("monitors", "4948570114344", "iiyama", "X4071UHSU-B1"),
    "DEMO-ONEPLUS": ("smartphones", "5011113506001", "OnePlus", "5011113506"),
    "DEMO-HILLS": ("printing", "0052742001203", "Hill's", "10012"),
    "DEMO-NOID": ("laptops", None, None, None),
    "DEMO-BADEAN": ("monitors", "4948570114345", "iiyama", "X4071UHSU-B1"),
    "DEMO-INTERNAL": ("laptops", "5397184119709", "DELL", "5587-9709"),
    "DEMO-DISABLED": ("laptops", "5397184119709", "DELL", "5587-9709"),
}


def data(product: dict, code: str) -> object:
    return product["values"].get(code, [{"data": None}])[0]["data"]


def test_demo_products_match_the_catalogue_contract(api: ApiSession) -> None:
    page = api.get("/api/rest/v1/products", params={"limit": 100}).json()["_embedded"]["items"]
    products = {product["identifier"]: product for product in page}
    assert set(products) == set(DEMO_ROWS)
    for sku, (family, ean, brand, mpn) in DEMO_ROWS.items():
        product = products[sku]
        assert (product["family"], data(product, "ean"), data(product, "brand"), data(product, "mpn")) == (
            family,
            ean,
            brand,
            mpn,
        ), sku
        assert data(product, "data_owner") == ("internal" if sku == "DEMO-INTERNAL" else "icecat")
        assert product["enabled"] is (sku != "DEMO-DISABLED")
    assert ean13_check_digit("494857011434") != "5"  # DEMO-BADEAN's EAN really fails the check digit


def test_generator_writes_a_loadable_fixture_with_valid_eans(tmp_path: Path) -> None:
    out = tmp_path / "synthetic.json"
    subprocess.run(
        [sys.executable, "-m", "sandbox.akeneo.generate", "--products", "40", "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    fixture = json.loads(out.read_text())
    assert {"locales", "channels", "attributes", "attribute_options", "families", "products"} <= set(fixture)
    products = fixture["products"]
    assert len(products) == 40 and len({p["identifier"] for p in products}) == 40
    for product in products:
        ean = data(product, "ean")
        assert len(ean) == 13 and ean[-1] == ean13_check_digit(ean[:12])
        assert data(product, "brand") and data(product, "mpn") and product["family"]
        assert data(product, "data_owner") in ("icecat", "internal")
    with running_server("sandbox.akeneo", ["--seed", str(out), "--db", str(tmp_path / "db.sqlite")]) as url:
        with ApiSession(url) as session:
            assert (
                session.get("/api/rest/v1/products", params={"with_count": "true"}).json()["items_count"]
                == 40
            )


def test_synthetic_seed_pages_with_search_after(tmp_path: Path) -> None:
    with running_server("sandbox.akeneo", ["--seed", "synthetic:250"]) as url:
        with ApiSession(url) as session:
            seen, next_url = 0, "/api/rest/v1/products?pagination_type=search_after&limit=100"
            while next_url:
                page = session.get(next_url).json()
                seen += len(page["_embedded"]["items"])
                next_url = page["_links"].get("next", {}).get("href")
            assert seen == 250


def test_broken_fixture_stops_the_server_with_a_clear_error(tmp_path: Path) -> None:
    fixture = json.loads((REPO_ROOT / "sandbox/akeneo/fixtures/demo.json").read_text())
    fixture["products"] = [
        {"identifier": "X", "values": {"colour": [{"locale": None, "scope": None, "data": "red"}]}}
    ]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(fixture))
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.akeneo", "--port", str(free_port()), "--seed", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "fixture product 'X' is refused" in result.stderr and "colour" in result.stderr


def test_sigterm_stops_the_server_cleanly() -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "sandbox.akeneo", "--port", str(port)], cwd=REPO_ROOT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_sandbox/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()
