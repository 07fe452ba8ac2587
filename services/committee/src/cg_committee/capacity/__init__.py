"""Capacity of local communities: training and education of committee members and residents, the CG
support organisations (중간지원조직) of each borough, and a per-borough capacity indicator."""
