"""Cases by contact and time: the portal's per-sender limit counts a sender's recent cases

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.create_index(
            batch.f("ix_cases_contact_email_opened_at"), ["contact_email", "opened_at"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index(batch.f("ix_cases_contact_email_opened_at"))
