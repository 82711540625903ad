"""E-mail intake: mail as received, each case's Message-IDs, attachments, status links, secrets

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from caseloom.adapters.db.tables import UtcDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("mailbox", sa.String(254)))
    op.create_table(
        "inbound_mail",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("envelope_from", sa.String(254), nullable=False),
        sa.Column("envelope_to", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sender", sa.String(254)),
        sa.Column("outcome", sa.Text(), server_default="", nullable=False),
        sa.Column("case_id", sa.BigInteger()),
        sa.Column("processed_at", UtcDateTime()),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_inbound_mail_case_id_cases"),
        sa.PrimaryKeyConstraint("id", name="pk_inbound_mail"),
        sa.UniqueConstraint("key", name="uq_inbound_mail_key"),
    )
    op.create_index("ix_inbound_mail_case_id", "inbound_mail", ["case_id"])
    op.create_index("ix_inbound_mail_status_received_at", "inbound_mail", ["status", "received_at"])
    op.create_index("ix_inbound_mail_sender_received_at", "inbound_mail", ["sender", "received_at"])
    op.create_table(
        "mail_threads",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("outbound", sa.Boolean(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_mail_threads_case_id_cases"),
        sa.PrimaryKeyConstraint("key", name="pk_mail_threads"),
    )
    op.create_index("ix_mail_threads_case_id", "mail_threads", ["case_id"])
    op.create_table(
        "attachments",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("mail_id", _ID),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("content_id", sa.String(255)),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("dropped", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_attachments_case_id_cases"),
        sa.ForeignKeyConstraint(
            ["mail_id"], ["inbound_mail.id"], name="fk_attachments_mail_id_inbound_mail"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_case_id", "attachments", ["case_id"])
    op.create_table(
        "status_links",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_status_links_case_id_cases"),
        sa.PrimaryKeyConstraint("key", name="pk_status_links"),
    )
    op.create_index("ix_status_links_case_id", "status_links", ["case_id"])
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_secrets"),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    op.drop_table("status_links")
    op.drop_table("attachments")
    op.drop_table("mail_threads")
    op.drop_table("inbound_mail")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("mailbox")
