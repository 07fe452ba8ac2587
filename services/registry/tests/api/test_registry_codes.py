"""Generated codes are gap-free per borough and skip numbers an explicit code already took."""

from __future__ import annotations

from typing import Any


async def test_generated_codes_skip_explicitly_taken_numbers(reg: Any, client: Any) -> None:
    explicit = await client.post(
        "/v1/projects",
        json=reg.project_body(code="CG-11200-00002", title_ko="망원동 텃밭"),
        headers=reg.OFFICER,
    )
    assert explicit.status_code == 201, explicit.text
    codes = []
    for title in ("성수동 청년 공간", "금호동 돌봄 나눔", "옥수동 골목 축제"):
        created = await client.post(
            "/v1/projects", json=reg.project_body(title_ko=title), headers=reg.OFFICER
        )
        assert created.status_code == 201, created.text
        codes.append(created.json()["code"])
    assert codes == ["CG-11200-00001", "CG-11200-00003", "CG-11200-00004"]
