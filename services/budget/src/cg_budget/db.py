"""Declarative base of the budget service's own tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from cg_shared.db import make_metadata


class Base(DeclarativeBase):
    """A real class so type checkers see the mapped classes' base; own metadata, platform naming."""

    metadata = make_metadata()
