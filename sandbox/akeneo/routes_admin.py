"""Sandbox-only routes, never under /api: health, reset, counters and fault knobs for tests and benchmarks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from sandbox.akeneo.bodies import parse_object
from sandbox.akeneo.errors import ApiError
from sandbox.akeneo.state import Knobs, SandboxState

router = APIRouter(prefix="/_sandbox")


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.post("/reset")
async def reset(request: Request) -> dict[str, str]:
    """Restore the seeded catalogue and products, clear counters and faults; issued tokens stay valid."""
    _state(request).reset()
    return {"status": "reset"}


@router.get("/counters")
async def counters(request: Request) -> dict[str, Any]:
    """Counters since the last reset, `media_files`: how many media files the sandbox holds now, and the
    Asset Manager's: asset media files uploaded, assets held."""
    state = _state(request)
    return {**state.counters.as_dict(), "media_files": state.store.media_count(),
            "asset_media_uploaded": state.assets.media_uploaded,
            "assets": sum(len(assets) for assets in state.assets.assets.values())}


@router.post("/faults")
async def faults(request: Request) -> dict[str, Any]:
    """Set fault knobs (unknown names are refused so a typo cannot silently disable a test); `{}` clears."""
    changes = parse_object(await request.body())
    unknown = sorted(set(changes) - Knobs.names())
    if unknown:
        raise ApiError(
            422, f"Unknown knob(s) {', '.join(unknown)}; known: {', '.join(sorted(Knobs.names()))}."
        )
    state = _state(request)
    try:
        state.set_knobs(changes)
    except ValueError as error:
        raise ApiError(422, f"Invalid knobs: {error}") from None
    return state.knobs.as_dict()
