"""Field service: work orders, their appointments, and technicians' shift calendars and reach

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caseloom.adapters.db.tables import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("technicians") as batch:
        batch.add_column(sa.Column("calendar", sa.String(100)))
        batch.add_column(sa.Column("max_travel_km", sa.Float()))
    op.create_table(
        "work_orders",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("team", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float()),
        sa.Column("longitude", sa.Float()),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("window_start", UtcDateTime()),
        sa.Column("window_end", UtcDateTime()),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("respond_by", UtcDateTime()),
        sa.Column("due_by", UtcDateTime()),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_work_orders_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
        sa.UniqueConstraint("ref", name=op.f("uq_work_orders_ref")),
    )
    op.create_index(op.f("ix_work_orders_case_id"), "work_orders", ["case_id"])
    op.create_index(op.f("ix_work_orders_team_status"), "work_orders", ["team", "status"])
    op.create_table(
        "appointments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("work_order_id", sa.BigInteger(), nullable=False),
        sa.Column("technician_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("arrival_start", UtcDateTime(), nullable=False),
        sa.Column("arrival_end", UtcDateTime(), nullable=False),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_appointments_work_order_id_work_orders"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index(op.f("ix_appointments_work_order_id"), "appointments", ["work_order_id"])
    op.create_index(
        op.f("ix_appointments_technician_id_starts_at"),
        "appointments",
        ["technician_id", "starts_at"],
    )
    op.bulk_insert(
        sa.table("counters", sa.column("name"), sa.column("value")),
        [{"name": "work_order", "value": 0}],
    )


def downgrade() -> None:
    op.execute("delete from counters where name = 'work_order'")
    op.drop_table("appointments")
    op.drop_table("work_orders")
    with op.batch_alter_table("technicians") as batch:
        batch.drop_column("max_travel_km")
        batch.drop_column("calendar")
