"""Shared platform package for the Seoul CG services."""
