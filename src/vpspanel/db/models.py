"""Imports every model so that ``Base.metadata`` is complete (Alembic, tests)."""

from vpspanel.api_tokens.models import ApiToken
from vpspanel.auth.models import (
    AuthSession,
    ExternalIdentity,
    PasswordResetToken,
    RateLimitCounter,
    User,
)
from vpspanel.catalog.models import VpsPlan, VpsPlanRegion
from vpspanel.customers.models import PanelSettings
from vpspanel.db.base import Base
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import IdempotencyRecord, Operation
from vpspanel.organizations.models import Membership, Organization, OrganizationInvitation
from vpspanel.orphans.models import OrphanServer
from vpspanel.provider_accounts.models import ServiceProvider, UpstreamCatalogCache
from vpspanel.ssh_keys.models import SshKey
from vpspanel.worker.models import ProviderAccountSync, WorkerHeartbeat

__all__ = [
    "ApiToken",
    "AuthSession",
    "Base",
    "ExternalIdentity",
    "IdempotencyRecord",
    "InstanceEvent",
    "Membership",
    "Operation",
    "Organization",
    "OrganizationInvitation",
    "OrphanServer",
    "PanelSettings",
    "PasswordResetToken",
    "ProviderAccountSync",
    "RateLimitCounter",
    "ServiceProvider",
    "SshKey",
    "UpstreamCatalogCache",
    "User",
    "VpsInstance",
    "VpsPlan",
    "VpsPlanRegion",
    "WorkerHeartbeat",
]
