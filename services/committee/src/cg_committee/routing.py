"""Routers of the committee's aggregates.

The aggregates that grew out of the meetings and members folders keep the group tag their routes
had before (``meetings`` or ``members``), next to each route's own tag, so the published OpenAPI
document did not change when the folders were split.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from cg_shared.http import PROBLEM_RESPONSES


def aggregate_router(group: Literal["meetings", "members"]) -> APIRouter:
    return APIRouter(tags=[group], responses=PROBLEM_RESPONSES)
