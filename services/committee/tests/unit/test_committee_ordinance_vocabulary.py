"""One ordinance vocabulary: the pure rule's settings, the table's columns and the API's fields agree."""

from __future__ import annotations

from cg_committee.committees.models import OrdinanceVersion
from cg_committee.committees.schemas import OrdinanceSettings
from cg_committee.committees.service import ORDINANCE_SETTINGS, _ordinance_row, to_rules
from cg_committee.rules import Ordinance


def test_the_api_settings_are_exactly_the_rule_settings() -> None:
    assert set(OrdinanceSettings.model_fields) == set(ORDINANCE_SETTINGS)


def test_every_rule_setting_has_its_column() -> None:
    columns = set(OrdinanceVersion.__table__.columns.keys())
    assert set(ORDINANCE_SETTINGS) <= columns, set(ORDINANCE_SETTINGS) - columns


def test_api_defaults_stored_and_read_back_are_the_rule_defaults() -> None:
    row = _ordinance_row(
        "c1",
        OrdinanceSettings(),
        effective_from=Ordinance.__dataclass_fields__ and None,
        reference="",
        actor="t",
    )
    assert to_rules(row) == Ordinance()
