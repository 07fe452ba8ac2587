"""PostgreSQL: every project keeps its public list item as JSON text (``projects.item_json``), maintained
by triggers, so an uncached list page is a concatenation of stored texts (issue 19). Both databases: an
index on funding_lines (project_id, source) for the list's funding-source filter.

The item is exactly what ``ProjectRead`` serialises to (fields in order, compact, timestamps in pydantic's
UTC format); ``test_registry_list_json.py`` compares the two after every kind of write. What feeds it:

- the project's own row (assessments are denormalised into it): a BEFORE INSERT OR UPDATE row trigger
  rebuilds the text from the new row and the project's funding lines as the transaction sees them;
- its funding lines: statement triggers on ``funding_lines`` (insert, update, delete, with transition
  tables) touch the projects concerned (``SET item_json = NULL``), which runs the row trigger.

The funding-line trigger updates the project row, so concurrent writers of one project serialise on its
row lock and the last one rebuilds the text with the other's committed lines (the trigger function is
VOLATILE: each of its queries takes a fresh snapshot under READ COMMITTED). Writes in Python are
untouched and cannot forget it. The seed loader disables the triggers for its COPY and fills the column
set-based (``registry_item_lines`` joined once). SQLite has no such column: it keeps the pydantic path.

Revision ID: 0010_registry_item_json
Revises: 0009_registry_dup_checks
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010_registry_item_json"
down_revision: str | None = "0009_registry_dup_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc_text(column: str) -> str:
    """A timestamptz as pydantic writes a UTC datetime: seconds, ``.ffffff`` only when non-zero, ``Z``."""
    return (
        f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        f"extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN '' ELSE "
        f"to_char({column} AT TIME ZONE 'UTC', '.US') END || 'Z'"
    )


# A project's funding lines (FundingLineRead fields, ordered as to_read orders them) and its budget line
# ids (distinct, sorted by code point as Python sorts), per project: correlated (WHERE project_id = …,
# pushed down to the lines' project index) by the row trigger, joined whole by the seed loader.
_LINES_VIEW = """CREATE VIEW registry_item_lines AS
SELECT s.project_id,
       ('[' || string_agg(s.line, ',' ORDER BY s.fiscal_year, s.source COLLATE "C", s.id) || ']')::json AS lines,
       coalesce(to_json(array_agg(DISTINCT s.budget_line_id COLLATE "C" ORDER BY s.budget_line_id COLLATE "C")
                        FILTER (WHERE s.budget_line_id IS NOT NULL)), '[]'::json) AS budget_line_ids
FROM (SELECT l.project_id, l.fiscal_year, l.source, l.id, l.budget_line_id,
             (SELECT row_to_json(r)::text FROM (SELECT l.id, l.source, l.fiscal_year, l.amount_krw,
                     l.budget_line_id, l.allocation_id, l.request_id) r) AS line
      FROM funding_lines l) s
GROUP BY s.project_id"""

# One list item from a project row and its lines: the ProjectRead fields in their order.
_ITEM_FUNCTION = f"""CREATE FUNCTION registry_item_json(p projects, lines json, budget_line_ids json)
RETURNS text LANGUAGE sql STABLE AS $$
SELECT row_to_json(r)::text FROM (SELECT
  p.id, p.code, p.title_ko, p.title_en, p.summary_ko, p.summary_en, p.sgg_code,
  p.sgg_code IS NULL AS city_wide, p.lead_department, coalesce(p.partners, '[]'::json) AS partners,
  p.origin, p.policy_field, coalesce(p.target_groups, '[]'::json) AS target_groups,
  p.start_date, p.end_date, p.status, p.plan_item_id,
  coalesce(budget_line_ids, '[]'::json) AS budget_line_ids, coalesce(lines, '[]'::json) AS funding_lines,
  p.declared_total_krw, p.total_krw, p.smg_grant_krw, p.has_smg_grant, p.public_led,
  (SELECT row_to_json(a) FROM (SELECT p.iap2_level AS iap2_level, p.tokenism_risk AS tokenism_risk,
                                      {_utc_text("p.assessed_at")} AS assessed_at) a) AS assessment,
  p.version, {_utc_text("p.created_at")} AS created_at, {_utc_text("p.updated_at")} AS updated_at,
  p.parent_id, p.progress_pct
) r
$$"""  # noqa: S608 (constant SQL: no input reaches this text)

_ROW_TRIGGER_FUNCTION = """CREATE FUNCTION registry_item_json_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  found_lines json;
  found_ids json;
BEGIN
  SELECT v.lines, v.budget_line_ids INTO found_lines, found_ids
    FROM registry_item_lines v WHERE v.project_id = NEW.id;
  NEW.item_json := registry_item_json(NEW, found_lines, found_ids);
  RETURN NEW;
END $$"""

_LINES_TRIGGER_FUNCTION = """CREATE FUNCTION registry_item_json_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE projects SET item_json = NULL WHERE id IN (SELECT project_id FROM new_lines);
  ELSIF TG_OP = 'DELETE' THEN
    UPDATE projects SET item_json = NULL WHERE id IN (SELECT project_id FROM old_lines);
  ELSE
    UPDATE projects SET item_json = NULL
     WHERE id IN (SELECT project_id FROM new_lines UNION SELECT project_id FROM old_lines);
  END IF;
  RETURN NULL;
END $$"""

_TRIGGERS = (
    "CREATE TRIGGER registry_item_json_row BEFORE INSERT OR UPDATE ON projects "
    "FOR EACH ROW EXECUTE FUNCTION registry_item_json_row()",
    "CREATE TRIGGER registry_item_json_lines_insert AFTER INSERT ON funding_lines "
    "REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION registry_item_json_lines()",
    "CREATE TRIGGER registry_item_json_lines_update AFTER UPDATE ON funding_lines "
    "REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_item_json_lines()",
    "CREATE TRIGGER registry_item_json_lines_delete AFTER DELETE ON funding_lines "
    "REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION registry_item_json_lines()",
)


def upgrade() -> None:
    # Both databases: the list filter on funding source probes it per project (models.FundingLine).
    op.create_index("ix_funding_lines_project_id_source", "funding_lines", ["project_id", "source"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE projects ADD COLUMN item_json text")
    op.execute(_LINES_VIEW)
    op.execute(_ITEM_FUNCTION)
    op.execute(_ROW_TRIGGER_FUNCTION)
    op.execute(_LINES_TRIGGER_FUNCTION)
    for trigger in _TRIGGERS:
        op.execute(trigger)
    op.execute("UPDATE projects SET item_json = NULL")  # the row trigger builds every item


def downgrade() -> None:
    op.drop_index("ix_funding_lines_project_id_source", table_name="funding_lines")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER registry_item_json_lines_delete ON funding_lines")
    op.execute("DROP TRIGGER registry_item_json_lines_update ON funding_lines")
    op.execute("DROP TRIGGER registry_item_json_lines_insert ON funding_lines")
    op.execute("DROP TRIGGER registry_item_json_row ON projects")
    op.execute("DROP FUNCTION registry_item_json_lines()")
    op.execute("DROP FUNCTION registry_item_json_row()")
    op.execute("DROP FUNCTION registry_item_json(projects, json, json)")
    op.execute("DROP VIEW registry_item_lines")
    op.execute("ALTER TABLE projects DROP COLUMN item_json")
