"""One borough's collaborative-governance year, driven through the four public REST APIs.

``demo.scenario`` is the reusable client library (used by the end-to-end tests and by ``make demo``);
``python -m demo`` narrates it against a running system.
"""
