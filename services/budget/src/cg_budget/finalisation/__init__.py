"""Finalised allocations: money drawn from envelopes for budget requests."""
