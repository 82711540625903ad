"""Routing: what a case needs of a rep, offers, the relaxation ladder, the SLA-ordered queue;
reps' open items, shift calendars and certifications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reps", schema=None) as batch_op:
        batch_op.add_column(sa.Column("items", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("calendar", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("certifications", sa.JSON(), nullable=False, server_default="[]")
        )
    op.execute("update reps set items = load")  # until now every case took one unit
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("need", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("routing_rule", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("relaxed", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f("ix_cases_team_status_priority_opened_at"))
        batch_op.create_index(
            batch_op.f("ix_cases_team_status_priority_next_due_at_queued_at"),
            ["team", "status", "priority", "next_due_at", "queued_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_cases_status_queued_at"), ["status", "queued_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_cases_offer_expires_at"), ["offer_expires_at"], unique=False
        )
    op.execute("update cases set queued_at = updated_at where status = 'queued'")
    op.execute(
        "update cases set next_due_at = (select min(due_at) from sla_clocks "
        "where sla_clocks.case_id = cases.id and sla_clocks.met_at is null)"
    )


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_offer_expires_at"))
        batch_op.drop_index(batch_op.f("ix_cases_status_queued_at"))
        batch_op.drop_index(batch_op.f("ix_cases_team_status_priority_next_due_at_queued_at"))
        batch_op.create_index(
            batch_op.f("ix_cases_team_status_priority_opened_at"),
            ["team", "status", "priority", "opened_at"],
            unique=False,
        )
        for column in (
            "next_due_at",
            "relaxed",
            "offer_expires_at",
            "queued_at",
            "routing_rule",
            "need",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("reps", schema=None) as batch_op:
        for column in ("certifications", "calendar", "items"):
            batch_op.drop_column(column)
