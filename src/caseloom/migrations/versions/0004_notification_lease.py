"""A notification's lease is its next attempt: drop `notifications.lease_until`

A claim now moves `next_attempt_at` to the end of its lease, so the claim query reads only due
rows. A notification held by a worker when this runs keeps its lease as its next attempt.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "update notifications set next_attempt_at = lease_until "
        "where next_attempt_at is not null and lease_until > next_attempt_at"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("lease_until")


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
