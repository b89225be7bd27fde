"""Settings, read from the environment with the prefix ``VPSPANEL_``.

Production refuses to start without real secrets; development generates an encryption key file
once (mode 0600) so that ``make run`` works on a fresh machine.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import structlog
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from vpspanel.mail import SmtpRelay

log = structlog.get_logger(__name__)

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "placeholder"}
)
DEFAULT_DATA_DIR = Path("data")
# Asymmetric algorithms Supabase signs access tokens with; their public keys are in the JWKS.
SUPABASE_JWKS_ALGORITHMS = ("ES256", "RS256")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


def normalize_database_url(url: str) -> str:
    """Map the URLs people paste (Supabase, Heroku style) onto SQLAlchemy's async drivers."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.removeprefix("sqlite://")
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VPSPANEL_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    # Connections per process: a request or worker step holds at most one at a time, so
    # size + overflow bounds how many run their statements at once (docs/operations.md).
    database_pool_size: int = Field(default=10, ge=1)
    database_pool_overflow: int = Field(default=10, ge=0)
    # Waiting longer than this for a connection answers 503 `service_busy` (Retry-After).
    database_pool_timeout_s: float = Field(default=30.0, gt=0)
    # A statement (PostgreSQL) or a wait for SQLite's write lock longer than this is cancelled
    # and answered 503 `service_busy`.
    database_statement_timeout_s: float = Field(default=30.0, gt=0)
    # Comma-separated Fernet keys: the first encrypts, all decrypt (rotation).
    encryption_keys: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    session_ttl_hours: int = Field(default=24 * 7, ge=1)
    cookie_secure: bool = False
    # Sign-in attempts per window: per account *from one client address* (strict, so a
    # stranger elsewhere cannot lock the owner out), and per address across accounts.
    login_attempts_per_account: int = Field(default=5, ge=1)
    login_attempts_per_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    # Per account across every address, in one-minute windows: past it callers wait (at most a
    # minute) instead of being locked out for the whole login window.
    login_attempts_per_account_per_minute: int = Field(default=10, ge=1)
    # Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.
    trusted_proxies: Annotated[list[ipaddress.IPv4Network | ipaddress.IPv6Network], NoDecode] = (
        Field(default_factory=list)
    )
    log_json: bool = True
    # When set, `/metrics` answers only a scrape sending `Authorization: Bearer <token>`
    # (401 otherwise); unset, it is open to whoever reaches it.
    metrics_token: SecretStr | None = None
    # Larger request bodies are refused with 413 before they are read whole.
    max_request_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_level: str = "INFO"
    # Where people reach the panel, e.g. https://panel.example.com: the base of links in emails
    # (invitations, password resets). Empty: the address the request came to.
    public_url: str = ""
    # Outgoing mail, e.g. smtp://user:pass@mail.example.com:587 (STARTTLS required) or
    # smtps://…:465 (TLS from the start). Empty: no email; links are shown to whoever asked.
    smtp_url: SecretStr | None = None
    mail_from: str = "vpspanel <no-reply@localhost>"
    # Supabase Auth sign-in (docs/supabase.md): off while the URL is empty.
    supabase_url: str = ""
    # The project's legacy JWT secret: HS256 tokens are accepted only when it is set.
    supabase_jwt_secret: SecretStr | None = None
    # The project's public signing keys; empty: <supabase_url>/auth/v1/.well-known/jwks.json
    supabase_jwks_url: str = ""
    # Empty: HS256 when the secret is set, else ES256 and RS256 (keys from the JWKS).
    supabase_jwt_algorithms: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("supabase_jwt_algorithms", mode="before")
    @classmethod
    def _split_algorithms(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            try:
                return [ipaddress.ip_network(str(part), strict=False) for part in value]
            except ValueError as exc:
                raise ValueError(f"VPSPANEL_TRUSTED_PROXIES: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _defaults_and_production_checks(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'vpspanel.db'}"
        self.database_url = normalize_database_url(self.database_url)
        if self.smtp_url is not None and self.smtp_url.get_secret_value():
            SmtpRelay.from_url(self.smtp_url.get_secret_value())  # ValueError says what is wrong
        self._check_supabase()
        if self.env is Environment.PRODUCTION:
            if not self.encryption_keys:
                raise ValueError("VPSPANEL_ENCRYPTION_KEYS must be set in production")
            for key in self.encryption_keys:
                if key.get_secret_value().lower() in PLACEHOLDER_SECRETS:
                    raise ValueError("VPSPANEL_ENCRYPTION_KEYS holds a placeholder, not a key")
        return self

    def _check_supabase(self) -> None:
        self.supabase_url = self.supabase_url.strip().rstrip("/")
        if not self.supabase_url:
            return
        if not self.supabase_jwks_url:
            self.supabase_jwks_url = self.supabase_url + "/auth/v1/.well-known/jwks.json"
        secret = self.supabase_jwt_secret.get_secret_value() if self.supabase_jwt_secret else ""
        if not self.supabase_jwt_algorithms:
            self.supabase_jwt_algorithms = ["HS256"] if secret else [*SUPABASE_JWKS_ALGORITHMS]
        unknown = set(self.supabase_jwt_algorithms) - {*SUPABASE_JWKS_ALGORITHMS, "HS256"}
        if unknown:
            raise ValueError(
                "VPSPANEL_SUPABASE_JWT_ALGORITHMS may hold only HS256, ES256 and RS256, not "
                + ", ".join(sorted(unknown))
            )
        if "HS256" in self.supabase_jwt_algorithms and not secret:
            raise ValueError("HS256 needs VPSPANEL_SUPABASE_JWT_SECRET (the project's JWT secret)")
        if self.env is Environment.PRODUCTION and secret and secret.lower() in PLACEHOLDER_SECRETS:
            raise ValueError("VPSPANEL_SUPABASE_JWT_SECRET holds a placeholder, not the secret")

    @property
    def supabase_issuer(self) -> str:
        """The `iss` of the project's access tokens (empty when Supabase sign-in is off)."""
        return self.supabase_url + "/auth/v1" if self.supabase_url else ""

    def resolved_encryption_keys(self) -> list[str]:
        """The configured keys, or in development a generated key file kept under data_dir."""
        if self.encryption_keys:
            return [key.get_secret_value() for key in self.encryption_keys]
        if self.env is Environment.PRODUCTION:
            raise ValueError("VPSPANEL_ENCRYPTION_KEYS must be set in production")
        return [load_or_create_dev_key(self.data_dir / "encryption.key")]


def load_or_create_dev_key(path: Path) -> str:
    from cryptography.fernet import Fernet

    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.warning("generated_dev_encryption_key", path=str(path.resolve()))
    return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
