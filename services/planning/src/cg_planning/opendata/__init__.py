"""Bulk open data of the planning service: plans and plan items."""
