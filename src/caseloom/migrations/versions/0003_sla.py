"""SLA clocks with targets, versions, pauses and stops; breach attribution segments; durable SLA
timers; the notification outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.alter_column("due_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch_op.add_column(
            sa.Column("policy_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("target_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("pauses", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True))
    # Clocks stored before targets were: their wall-clock window (exact on 24x7 calendars).
    seconds = (
        "extract(epoch from due_at - started_at)"
        if op.get_bind().dialect.name == "postgresql"
        else "(julianday(due_at) - julianday(started_at)) * 86400"
    )
    op.execute(f"update sla_clocks set target_seconds = cast({seconds} as integer)")  # noqa: S608
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segments", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "sla_timers",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("metric", sa.String(length=60), nullable=False),
        sa.Column("escalation", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_sla_timers_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_timers")),
        sa.UniqueConstraint("case_id", "key", name=op.f("uq_sla_timers_case_id_key")),
    )
    op.create_index(
        "ix_sla_timers_pending",
        "sla_timers",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("fired_at IS NULL"),
        sqlite_where=sa.text("fired_at IS NULL"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=300), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_notifications_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_case_id"), "notifications", ["case_id"], unique=False)
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
        sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("sla_timers")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("segments")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_column("stopped_at")
        batch_op.drop_column("pauses")
        batch_op.drop_column("target_seconds")
        batch_op.drop_column("policy_version")
        batch_op.alter_column("due_at", existing_type=sa.DateTime(timezone=True), nullable=False)
