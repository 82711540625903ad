"""The schema, as SQLAlchemy Core tables. Alembic migrations must produce exactly this."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"refusing to store a naive datetime: {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False)


counters = Table(
    "counters",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

policies = Table(
    "policies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("loaded_at", UtcDateTime, nullable=False),
    UniqueConstraint("name", "version"),
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", String(100), nullable=False),
    Column("account", String(100), nullable=False),
    Column("city", String(100)),
    Column("country", String(100)),
    Column("latitude", Float),
    Column("longitude", Float),
)

contacts = Table(
    "contacts",
    metadata,
    Column("email", String(254), primary_key=True),
    Column(
        "customer_id", ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("name", String(200), nullable=False),
)

reps = Table(
    "reps",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("skills", JSON, nullable=False),
    Column("languages", JSON, nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("presence", String(20), nullable=False),
    Column("load", Integer, nullable=False),
    Column("last_assigned_at", UtcDateTime),
    _version(),
    Column("items", Integer, nullable=False, server_default="0"),
    Column("calendar", String(100)),
    Column("certifications", JSON, nullable=False, server_default="[]"),
)

rep_teams = Table(
    "rep_teams",
    metadata,
    Column("rep_id", ForeignKey("reps.id", ondelete="CASCADE"), primary_key=True),
    Column("team", String(100), primary_key=True, index=True),
)

technicians = Table(
    "technicians",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(254), nullable=False),
    Column("team", String(100), nullable=False, index=True),
    Column("skills", JSON, nullable=False),
    Column("certifications", JSON, nullable=False),
    Column("equipment", JSON, nullable=False),
    Column("home", JSON),
    Column("presence", String(20), nullable=False),
    Column("calendar", String(100)),
    Column("max_travel_km", Float),
    _version(),
)

cases = Table(
    "cases",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("ref", String(20), nullable=False, unique=True),
    Column("channel", String(20), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("contact_name", String(200), nullable=False),
    Column("contact_email", String(254), nullable=False),
    Column("customer_id", ForeignKey("customers.id"), index=True),
    Column("priority", SmallInteger, nullable=False),
    Column("severity", String(20), nullable=False),
    Column("product_line", String(100)),
    Column("team", String(100)),
    Column("owner", String(100), index=True),
    Column("status", String(30), nullable=False),
    Column("custom", JSON, nullable=False),
    Column("required_skills", JSON, nullable=False),
    Column("route", JSON, nullable=False),
    Column("triage", JSON),
    Column("policy_version", Integer, nullable=False),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime),
    Column("closed_at", UtcDateTime),
    Column("journey_seq", Integer, nullable=False),
    Column("journey_head", String(64), nullable=False),
    _version(),
    # Routing: the rest of what a rep needs (required skills are above), the rule, the queue.
    Column("need", JSON, nullable=False, server_default="{}"),
    Column("routing_rule", String(300)),
    Column("queued_at", UtcDateTime),
    Column("offer_expires_at", UtcDateTime, index=True),
    Column("relaxed", JSON, nullable=False, server_default="[]"),
    Column("next_due_at", UtcDateTime),
    Column("segments", JSON, nullable=False, server_default="[]"),
    Column("mailbox", String(254)),  # the intake address of an e-mailed case
    Index(None, "team", "status", "priority", "next_due_at", "queued_at"),
    Index(None, "status", "queued_at"),
    Index(None, "status", "opened_at"),
    Index(None, "contact_email", "opened_at"),  # the portal's per-sender limit
)

sla_clocks = Table(
    "sla_clocks",
    metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("metric", String(40), primary_key=True),
    Column("policy", String(100), nullable=False),
    Column("calendar", String(100), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("due_at", UtcDateTime, index=True),  # None while paused
    Column("met_at", UtcDateTime),
    Column("policy_version", Integer, nullable=False, server_default="0"),
    Column("target_seconds", Integer, nullable=False, server_default="0"),
    Column("pauses", JSON, nullable=False, server_default="[]"),
    Column("stopped_at", UtcDateTime),
)

# Durable SLA timers: a threshold or breach of a clock, claimed by workers with a lease.
sla_timers = Table(
    "sla_timers",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("key", String(400), nullable=False),
    Column("metric", String(60), nullable=False),
    Column("escalation", String(300), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("claimed_by", String(100)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("fired_at", UtcDateTime),
    Column("outcome", String(40)),
    UniqueConstraint("case_id", "key"),
)
Index(
    "ix_sla_timers_pending",
    sla_timers.c.due_at,
    postgresql_where=sla_timers.c.fired_at.is_(None),
    sqlite_where=sla_timers.c.fired_at.is_(None),
)

# The outbox of notifications: written with the escalation, delivered by workers, retried.
notifications = Table(
    "notifications",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), index=True),
    Column("channel", String(20), nullable=False),
    Column("recipient", String(300), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # When a worker should try it next (a claim moves it to the lease's end); None once
    # delivered or given up
    Column("next_attempt_at", UtcDateTime),
    Column("delivered_at", UtcDateTime),
    Column("result", Text),  # what the far end said, or the last error
)
Index(
    "ix_notifications_due",
    notifications.c.next_attempt_at,
    postgresql_where=notifications.c.next_attempt_at.is_not(None),
    sqlite_where=notifications.c.next_attempt_at.is_not(None),
)

messages = Table(
    "messages",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("author", String(254), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

# Append-only: no code path updates or deletes a journey row.
journey = Table(
    "journey",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", ForeignKey("cases.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("step", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("decision", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("case_id", "seq"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("case_id", ForeignKey("cases.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),  # its number
    Column("ref", String(20), nullable=False, unique=True),
    Column("case_id", BigInteger, ForeignKey("cases.id"), nullable=False, index=True),
    Column("team", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("requirements", JSON, nullable=False),
    Column("duration_s", Integer, nullable=False),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("place", String(200), nullable=False),
    Column("window_start", UtcDateTime),
    Column("window_end", UtcDateTime),
    Column("priority", SmallInteger, nullable=False),
    Column("respond_by", UtcDateTime),
    Column("due_by", UtcDateTime),
    Column("context", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    _version(),
    Index(None, "team", "status"),
)

appointments = Table(
    "appointments",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("work_order_id", BigInteger, ForeignKey("work_orders.id"), nullable=False, index=True),
    Column("technician_id", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("arrival_start", UtcDateTime, nullable=False),
    Column("arrival_end", UtcDateTime, nullable=False),
    Column("starts_at", UtcDateTime, nullable=False),
    Column("ends_at", UtcDateTime, nullable=False),
    Column("note", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "technician_id", "starts_at"),
)


# E-mail as received, stored before it is read: nothing accepted is lost. `key` (a SHA-256 of
# the Message-ID) makes a repeated message idempotent.
inbound_mail = Table(
    "inbound_mail",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("key", String(64), nullable=False, unique=True),
    Column("message_id", Text, nullable=False),
    Column("source", String(100), nullable=False),  # "smtp", "imap:INBOX", ...
    Column("envelope_from", String(254), nullable=False),
    Column("envelope_to", JSON, nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("size", Integer, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # received, case_opened, threaded, ...
    Column("sender", String(254)),
    Column("outcome", Text, nullable=False, server_default=""),
    Column("case_id", ForeignKey("cases.id"), index=True),
    Column("processed_at", UtcDateTime),
    Index(None, "status", "received_at"),
    Index(None, "sender", "received_at"),
)

# Message-IDs that belong to a case, received or sent: how a reply finds its case.
mail_threads = Table(
    "mail_threads",
    metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of the Message-ID
    Column("message_id", Text, nullable=False),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("outbound", Boolean, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("mail_id", ForeignKey("inbound_mail.id")),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("inline", Boolean, nullable=False),
    Column("content_id", String(255)),
    Column("content", LargeBinary, nullable=False),
    Column("dropped", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

# Customers' secret links to a case's status page: only a hash of each link's token is kept.
status_links = Table(
    "status_links",
    metadata,
    Column("key", String(64), primary_key=True),  # SHA-256 of the token
    Column("case_id", ForeignKey("cases.id"), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
)

# What one installation keeps to itself, made on first start (e.g. the key of case tokens).
secrets = Table(
    "secrets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", String(200), nullable=False),
)
