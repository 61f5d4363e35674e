"""Assembles the Icecat sandbox: catalogue, state, fault injector and the route groups
(`routes_content`: JSON API, XML interface, index files, media; `routes_admin`: data creation, admin)."""

from __future__ import annotations

from fastapi import FastAPI

from sandbox.icecat import routes_admin, routes_content
from sandbox.icecat.catalog import SAMPLES_DIR, Catalog, Identity, SyntheticCatalog, derive_product
from sandbox.icecat.config import Settings
from sandbox.icecat.faults import FaultInjector
from sandbox.icecat.languages import FALLBACK_LANGUAGE
from sandbox.icecat.service import Service
from sandbox.icecat.state import SandboxState

# A non-sponsor brand (Open users get error 9): identifiers from the real 403 sample (Hill's 10012).
NON_SPONSOR_IDENTITY = Identity(600_000_001, "Hill's", "10012", "0052742001203", "Hill's 10012")


def build_catalog(settings: Settings) -> Catalog:
    catalog = Catalog()
    catalog.load_folder(SAMPLES_DIR)
    for folder in settings.samples:
        catalog.load_folder(folder)
    template = catalog.templates()[0]
    catalog.add(derive_product(template, NON_SPONSOR_IDENTITY, (FALLBACK_LANGUAGE,), template.updated, sponsor=False))
    return catalog


def create_app(settings: Settings) -> FaultInjector:
    catalog = build_catalog(settings)
    state = SandboxState(
        catalog,
        SyntheticCatalog(settings.synthetic, catalog.templates()),
        creation_delay_generations=settings.creation_delay_generations,
    )
    app = FastAPI(title="Icecat sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    injector = FaultInjector(app, settings.faults)
    app.state.icecat = Service(settings, catalog, state, injector)
    app.include_router(routes_content.router)
    app.include_router(routes_admin.router)
    return injector
