"""Korean first: negotiation, the catalogue's completeness, and every raised message covered."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, field_validator

from cg_shared.http import (
    HTTP_TITLES,
    Conflict,
    FieldError,
    NotFound,
    Unprocessable,
    install_problem_handlers,
)
from cg_shared.i18n import (
    VALIDATION_CONTEXT,
    Msg,
    catalogue,
    messages_in,
    msg,
    negotiate,
    placeholders,
    source_files,
    translate,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ko"),
        ("", "ko"),
        ("*", "ko"),
        ("ko-KR", "ko"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB;q=0.4, ko;q=0.8", "ko"),
        ("ko;q=0.5, en;q=0.6", "en"),
        ("fr-FR, de;q=0.9", "ko"),  # neither offered: the default
        ("fr, en;q=0.3", "en"),
        ("en;q=0, ko;q=0.1", "ko"),  # q=0 means "not acceptable"
        ("en;q=0", "ko"),
        ("en; q=abc", "ko"),
        ("EN-us", "en"),
    ],
)
def test_accept_language_negotiation_honours_q_values(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_every_catalogue_entry_has_both_languages_and_the_same_placeholders() -> None:
    entries = catalogue()
    assert len(entries) > 250
    for (context, msgid), korean in entries.items():
        assert msgid.strip() and korean.strip(), msgid
        if context == VALIDATION_CONTEXT:
            continue  # placeholders there are pydantic's ctx keys, not the English text's
        assert placeholders(korean) == placeholders(msgid), msgid
        assert any("\uac00" <= ch <= "\ud7a3" for ch in korean) or placeholders(korean), (msgid, korean)


def test_every_message_the_code_raises_has_a_korean_translation() -> None:
    """Scans the details and field messages of every Problem raised in shared/ and the four services.

    A new English message (or an f-string, which cannot be catalogued: use ``msg("…{name}…", name=…)``)
    fails here until ``python -m cg_shared.i18n`` has been run and its output translated into
    ``cg_shared/locale/ko/LC_MESSAGES/messages.po``.
    """
    known = catalogue()
    scanned, missing, not_literal = 0, [], []
    for path in source_files(REPO):
        for found in messages_in(path):
            scanned += 1
            where = f"{path.relative_to(REPO)}:{found.line}"
            if found.msgid is None:
                not_literal.append(f"{where}: {found.source}")
            elif (None, found.msgid) not in known:
                missing.append(f"{where}: {found.msgid}")
    assert scanned > 250
    assert not not_literal, "messages that are not catalogue-able literals:\n" + "\n".join(not_literal)
    assert not missing, "messages without a Korean translation:\n" + "\n".join(missing)
    for title in HTTP_TITLES.values():
        assert (None, title) in known, title


def test_msg_renders_english_and_fills_the_korean_template_with_the_same_values() -> None:
    m = msg(
        "the election budget {budget:,} KRW exceeds what the envelope has left ({available:,} KRW)",
        budget=1_200_000,
        available=900_000,
    )
    assert m == "the election budget 1,200,000 KRW exceeds what the envelope has left (900,000 KRW)"
    assert translate(m, "en") == str(m)
    assert translate(m, "ko") == "투표 예산 1,200,000원이 재원 한도의 잔액(900,000원)을 넘습니다"


def test_nested_and_joined_messages_are_translated_part_by_part() -> None:
    reasons = Msg.joined(
        "; ", [msg("{fiscal_year} is listed twice", fiscal_year=2026), msg("required"), "raw text"]
    )
    outer = msg("the plan is not valid: {reasons}", reasons=reasons)
    assert str(outer) == "the plan is not valid: 2026 is listed twice; required; raw text"
    assert (
        translate(outer, "ko")
        == "계획이 올바르지 않습니다: 2026년이 두 번 들어 있습니다; 필수 항목입니다; raw text"
    )


def test_a_message_missing_from_the_catalogue_stays_english() -> None:
    assert translate(msg("no such {thing} in the catalogue", thing="x"), "ko") == "no such x in the catalogue"


class _Body(BaseModel):
    name: str = Field(max_length=3)
    count: int = Field(ge=1)


def _app() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    def create(body: _Body) -> dict[str, str]:
        return {}

    @app.get("/things/{code}")
    def read(code: str, year: int = Query(2026)) -> dict[str, str]:
        if code == "busy":
            raise Conflict(
                msg("project code {code} is already used", code=code),
                errors=[FieldError(field="body.code", message=msg("duplicates"))],
            )
        if code == "bad":
            raise Unprocessable(
                "cursor is not valid", errors=[FieldError(field="query.cursor", message="bad")]
            )
        raise NotFound(msg("no project with id {project_id}", project_id=code))

    return TestClient(app)


def test_problem_answers_are_korean_by_default_with_content_language() -> None:
    client = _app()
    r = client.get("/things/P-1")
    assert r.status_code == 404
    assert r.headers["content-language"] == "ko"
    assert "Accept-Language" in r.headers["vary"]
    assert r.json()["title"] == "찾을 수 없습니다"
    assert r.json()["detail"] == "ID가 P-1인 사업이 없습니다"
    r = client.get("/things/busy")
    assert r.json()["detail"] == "사업 코드 busy은(는) 이미 사용 중입니다"
    assert r.json()["errors"] == [{"field": "body.code", "message": "중복입니다"}]
    r = client.get("/things/bad")
    assert r.json()["errors"] == [{"field": "query.cursor", "message": "올바르지 않습니다"}]
    r = client.delete("/things/P-1")
    assert r.status_code == 405
    assert (r.json()["title"], r.json()["detail"]) == ("허용되지 않는 메서드", "허용되지 않는 메서드입니다")
    r = client.get("/nowhere")
    assert r.json()["detail"] == "찾을 수 없습니다"


def test_problem_answers_are_english_when_english_is_preferred() -> None:
    client = _app()
    r = client.get("/things/P-1", headers={"Accept-Language": "en-US,en;q=0.9,ko;q=0.5"})
    assert r.headers["content-language"] == "en"
    assert (r.json()["title"], r.json()["detail"]) == ("Not found", "no project with id P-1")
    r = client.get("/things/busy", headers={"Accept-Language": "ko;q=0.2, en"})
    assert r.json()["errors"] == [{"field": "body.code", "message": "duplicates"}]


def test_validation_errors_translate_each_message_by_type_and_keep_the_fields() -> None:
    client = _app()
    body = {"name": "abcd", "count": 0, "extra": 1}
    ko = client.post("/things", json=body).json()
    en = client.post("/things", json=body, headers={"Accept-Language": "en"}).json()
    assert ko["status"] == en["status"] == 422
    assert [(e["field"], e["type"]) for e in ko["errors"]] == [(e["field"], e["type"]) for e in en["errors"]]
    by_field = {e["field"]: e["message"] for e in ko["errors"]}
    assert by_field == {"body.name": "3자 이하여야 합니다", "body.count": "1 이상이어야 합니다"}
    assert {e["field"]: e["message"] for e in en["errors"]}[
        "body.name"
    ] == "String should have at most 3 characters"
    assert ko["title"] == "요청이 올바르지 않습니다"
    assert ko["detail"] == "올바르지 않은 필드: body.name, body.count"
    missing = client.post("/things", json={}).json()
    assert {e["message"] for e in missing["errors"]} == {"필수 항목입니다"}
    query = client.get("/things/x?year=soon").json()
    assert query["errors"] == [{"field": "query.year", "message": "정수여야 합니다", "type": "int_parsing"}]


def test_an_uncatalogued_validation_type_gets_the_generic_korean_message() -> None:
    from cg_shared.i18n import translate_validation

    text = translate_validation("some_new_type", "Something odd", {}, "ko")
    assert text == "값이 올바르지 않습니다 (some_new_type): Something odd"
    assert translate_validation("some_new_type", "Something odd", {}, "en") == "Something odd"


class _Named(BaseModel):
    name: str
    year: int

    @field_validator("name")
    @classmethod
    def _plain(cls, value: str) -> str:
        if "\x00" in value:
            raise ValueError("control characters are not allowed")
        return value

    @field_validator("year")
    @classmethod
    def _with_values(cls, value: int) -> int:
        if value > 2100:
            raise ValueError(msg("{fiscal_year} is listed twice", fiscal_year=value))
        return value


def test_a_validators_value_error_is_translated_inside_the_korean_message() -> None:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/named")
    def create(body: _Named) -> dict[str, str]:
        return {}

    client = TestClient(app)
    body = {"name": "a\x00b", "year": 2300}
    ko = {e["field"]: e["message"] for e in client.post("/named", json=body).json()["errors"]}
    assert ko == {
        "body.name": "값이 올바르지 않습니다: 제어 문자는 쓸 수 없습니다",
        "body.year": "값이 올바르지 않습니다: 2300년이 두 번 들어 있습니다",
    }
    en = client.post("/named", json=body, headers={"Accept-Language": "en"}).json()["errors"]
    assert en[0]["message"] == "Value error, control characters are not allowed"
