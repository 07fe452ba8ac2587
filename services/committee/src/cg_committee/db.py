"""Declarative base of the committee service's own tables."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from cg_shared.db import make_metadata


class Base(DeclarativeBase):
    """A class (not ``make_base()``'s return value) so type checkers see the mapped classes' base.

    Same naming convention as every service (``make_metadata``), own metadata: no table sharing.
    """

    metadata = make_metadata()
