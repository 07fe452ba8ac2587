"""API models of bulk imports."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RowErrorRead(BaseModel):
    row: int = Field(description="Spreadsheet row number (the header is row 1)")
    field: str = Field(description="Column (canonical name) the problem is in")
    message: str


class ImportedProject(BaseModel):
    row: int
    project_id: str | None = Field(description="null in a dry run")
    code: str | None


class ImportReport(BaseModel):
    import_id: str | None = Field(description="null in a dry run or when nothing was imported")
    dry_run: bool
    file_format: str
    encoding: str | None
    total_rows: int
    valid_rows: int
    invalid_rows: int
    imported: int
    ignored_columns: list[str]
    errors: list[RowErrorRead]
    projects: list[ImportedProject]
