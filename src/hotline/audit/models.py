from datetime import datetime

from sqlalchemy import DDL, JSON, Column, Index, event
from sqlmodel import Field, SQLModel

from hotline.database import UTCDateTime, utcnow


class AuditEntry(SQLModel, table=True):
    """Never updated or deleted by the console: there is no route or service that does."""

    __tablename__ = "audit_entries"
    # The admin search filters by action or by target, newest first.
    __table_args__ = (
        Index("ix_audit_entries_action_at", "action", "at"),
        Index("ix_audit_entries_target", "target_type", "target_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    action: str = Field(max_length=40)  # e.g. call.read, call.search, referral.read
    target_type: str = Field(max_length=40)
    target_id: int | None = Field(default=None)
    address: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=500)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# The database itself refuses to change or remove an entry, whatever code asks. The migration creates
# the same triggers; these listeners give tables made with create_all (the tests) the same guard.
PG_APPEND_ONLY = (
    """CREATE FUNCTION hotline_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit entries are append-only'; END $$""",
    """CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION hotline_audit_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION hotline_audit_append_only()""",
)
PG_DROP = (
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries",
    "DROP FUNCTION IF EXISTS hotline_audit_append_only()",
)
SQLITE_APPEND_ONLY = (
    """CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
    """CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END""",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_entries_no_delete",
    "DROP TRIGGER IF EXISTS audit_entries_no_update",
)

for _statement in PG_APPEND_ONLY:
    event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_APPEND_ONLY:
    event.listen(AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
