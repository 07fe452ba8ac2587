"""Declarative base of the budget service's own tables."""

from __future__ import annotations

from cg_shared.db import make_base

Base = make_base()
