"""Pydantic models of open-call applications."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cg_committee.common import Email, LongText, Name, Organisations, Phone, SaneDate


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    APPOINTED = "appointed"
    REJECTED = "rejected"


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name_ko": "박서연",
                    "email": "park.seoyeon@example.kr",
                    "affiliations": ["왕십리 주민자치회"],
                    "statement": "마을 돌봄 의제를 10년간 함께 해 왔습니다.",
                }
            ]
        },
    )
    name_ko: Name
    name_en: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    affiliations: Organisations = Field(default_factory=list)
    statement: LongText = ""


class ApplicationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    committee_id: str
    applicant_sub: str
    name_ko: str
    name_en: str
    email: str | None
    phone: str | None
    affiliations: list[str]
    statement: str
    status: ApplicationStatus
    member_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ApplicationAppointment(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"term_start": "2027-03-01"}]})
    term_start: SaneDate | None = None
    term_end: SaneDate | None = None
