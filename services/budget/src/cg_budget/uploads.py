"""Reading file uploads sent either as the raw request body or as a multipart ``file`` field."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from cg_shared.http import FieldError, Unprocessable
from cg_shared.i18n import msg


async def read_text(request: Request) -> tuple[str, str]:
    """The uploaded text (UTF-8, BOM stripped) and its media type (``text/csv``, ``application/json``…)."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Unprocessable(
                "send the file in a multipart field named file",
                errors=[FieldError(field="body.file", message="missing")],
            )
        raw = await upload.read()
        media_type = (upload.content_type or "").split(";", 1)[0].strip().lower()
        filename = (upload.filename or "").lower()
        if filename.endswith(".csv"):
            media_type = "text/csv"
        elif filename.endswith(".json"):
            media_type = "application/json"
    else:
        raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable(
            "the upload is not UTF-8 text",
            errors=[FieldError(field="body", message=msg("byte {start}", start=exc.start))],
        ) from exc
    return text, media_type


def body_doc(*media: tuple[str, dict[str, Any]], required: bool = True) -> dict[str, Any]:
    """``openapi_extra`` describing a raw/multipart upload body."""
    content: dict[str, Any] = {name: {"schema": schema} for name, schema in media}
    content["multipart/form-data"] = {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }
    return {"requestBody": {"required": required, "content": content}}
