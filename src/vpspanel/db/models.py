"""Imports every model so that ``Base.metadata`` is complete (Alembic, tests)."""

from vpspanel.api_tokens.models import ApiToken
from vpspanel.auth.models import AuthSession, RateLimitCounter, User
from vpspanel.catalog.models import UpstreamCatalogCache, VpsPlan, VpsPlanRegion
from vpspanel.db.base import Base
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import IdempotencyRecord, Operation
from vpspanel.organizations.models import Membership, Organization
from vpspanel.provider_accounts.models import ServiceProvider
from vpspanel.ssh_keys.models import SshKey

__all__ = [
    "ApiToken",
    "AuthSession",
    "Base",
    "IdempotencyRecord",
    "InstanceEvent",
    "Membership",
    "Operation",
    "Organization",
    "RateLimitCounter",
    "ServiceProvider",
    "SshKey",
    "UpstreamCatalogCache",
    "User",
    "VpsInstance",
    "VpsPlan",
    "VpsPlanRegion",
]
