"""Bulk open data of the committee service: decisions (with validity and tally) and attendance."""
