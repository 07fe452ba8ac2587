"""Fiscal-year budget cycles with the legal calendar."""
