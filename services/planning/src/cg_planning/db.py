"""Declarative base of the planning service's own tables."""

from __future__ import annotations

from cg_shared.db import make_base

Base = make_base()
