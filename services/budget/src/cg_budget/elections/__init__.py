"""Participatory elections over budget requests: ballots, outcome by the allocation engine, Pabulib I/O."""
