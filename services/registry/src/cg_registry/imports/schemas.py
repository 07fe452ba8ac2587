"""API models of bulk imports."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RowErrorRead(BaseModel):
    row: int = Field(description="Spreadsheet row number (the header is row 1)")
    field: str = Field(description="Column (canonical name) the problem is in")
    message: str


class ImportedProject(BaseModel):
    row: int
    project_id: str | None = Field(description="null in a dry run of a new project")
    code: str | None
    action: str = Field(default="created", description="created | updated | unchanged")


class ImportReport(BaseModel):
    import_id: str | None = Field(description="null in a dry run or when nothing was imported")
    dry_run: bool
    file_format: str
    encoding: str | None
    total_rows: int
    valid_rows: int
    invalid_rows: int
    imported: int = Field(description="Projects created")
    updated: int = Field(default=0, description="Existing projects (matched by code) updated")
    unchanged: int = Field(default=0, description="Rows matching an existing project that change nothing")
    ignored_columns: list[str]
    errors: list[RowErrorRead]
    projects: list[ImportedProject]
