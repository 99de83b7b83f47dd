"""a debrief for each counsellor who held a call

Revision ID: b32e55fe90b3
Revises: dead8cb0cbee
Create Date: 2026-11-24 06:14:23.006747
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'b32e55fe90b3'
down_revision: str | None = 'dead8cb0cbee'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    # The unique call_id (one debrief per call) becomes unique (call_id, counsellor_id). It was created
    # unnamed: PostgreSQL named it debriefs_call_id_key; on SQLite a naming convention names it for the copy.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("debriefs_call_id_key", "debriefs", type_="unique")
        op.create_unique_constraint("uq_debriefs_call_counsellor", "debriefs", ["call_id", "counsellor_id"])
        return
    with op.batch_alter_table("debriefs", recreate="always", naming_convention=NAMES) as batch_op:
        batch_op.drop_constraint("uq_debriefs_call_id", type_="unique")
        batch_op.create_unique_constraint("uq_debriefs_call_counsellor", ["call_id", "counsellor_id"])


def downgrade() -> None:
    # Back to one debrief per call: the first offered for each call stays.
    op.execute("DELETE FROM debriefs WHERE id NOT IN (SELECT min(id) FROM debriefs GROUP BY call_id)")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("uq_debriefs_call_counsellor", "debriefs", type_="unique")
        op.create_unique_constraint("debriefs_call_id_key", "debriefs", ["call_id"])
        return
    with op.batch_alter_table("debriefs", recreate="always", naming_convention=NAMES) as batch_op:
        batch_op.drop_constraint("uq_debriefs_call_counsellor", type_="unique")
        batch_op.create_unique_constraint("uq_debriefs_call_id", ["call_id"])
