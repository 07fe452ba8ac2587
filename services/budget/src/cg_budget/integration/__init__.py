"""Borough IT integration: appropriation/execution imports, reconciliation, exports."""
