"""Settings, from CASELOOM_* environment variables or a .env file. Read only by bootstrap."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEMO_POLICY = Path(str(resources.files("caseloom") / "policies" / "demo" / "policy.yaml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASELOOM_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///var/caseloom.db",
        description="SQLAlchemy URL: a SQLite file (default) or postgresql+psycopg://...",
    )
    policy: Path = Field(DEMO_POLICY, description="The policy file to run")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_request_bytes: int = Field(1_048_576, ge=1024, description="Larger requests get a 413")
    log_level: str = "info"
    smtp_url: str | None = Field(
        None,
        description="SMTP server for e-mail notifications, smtp://[user:password@]host[:port]; "
        "unset: e-mail notifications are written to the log",
    )
    llm_api_key: SecretStr | None = Field(
        None, description="The key of the LLM provider the policy names; never logged"
    )
    secret: SecretStr | None = Field(
        None,
        description="The key that signs case tokens in outbound e-mail (hex, 32 bytes or more); "
        "unset: one made at random on first start and kept in the database",
    )
    imap_url: str | None = Field(
        None,
        description="A mailbox the worker polls into cases: imaps://user@host[:993]/INBOX"
        "[?done=Processed], or imap://user@host:143/INBOX?starttls=true; unset: none",
    )
    imap_password: SecretStr | None = Field(
        None, description="The password of the IMAP mailbox; never logged"
    )
    public_url: str | None = Field(
        None,
        description="Where customers reach this server, e.g. https://support.example.com: "
        "acknowledgements then carry a link to the case's status page; unset: no link",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
    )
    smtp_listen: str | None = Field(
        None,
        description="host:port where `caseloom serve` also takes e-mail over SMTP; unset: off",
        pattern=r"^[^:\s]+:\d{1,5}$",
    )

    def masked(self) -> dict[str, str]:
        """Every setting as text, with secrets hidden, to print at start."""
        shown = {name: str(value) for name, value in self.model_dump().items()}
        shown["database_url"] = make_url(self.database_url).render_as_string(hide_password=True)
        if self.smtp_url:
            shown["smtp_url"] = make_url(self.smtp_url).render_as_string(hide_password=True)
        if self.imap_url:
            shown["imap_url"] = make_url(self.imap_url).render_as_string(hide_password=True)
        return shown
