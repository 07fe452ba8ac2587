"""Bulk open data of the budget service: budget requests, allocations and SMG programme awards."""
