"""Declarative base of the registry service's own tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from cg_shared.db import make_metadata


class Base(DeclarativeBase):
    # A class statement (not ``make_base()``) so type checkers see a real base class; same naming
    # convention as every service, own metadata.
    metadata = make_metadata()
