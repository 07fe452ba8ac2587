"""Test support shared by every package: PostgreSQL and Tansu broker fixtures, API helpers."""
