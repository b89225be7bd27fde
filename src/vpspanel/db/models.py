"""Imports every model so that ``Base.metadata`` is complete (Alembic, tests)."""

from vpspanel.auth.models import AuthSession, PasswordResetToken, RateLimitCounter, User
from vpspanel.catalog.models import UpstreamCatalogCache, VpsPlan, VpsPlanRegion
from vpspanel.db.base import Base
from vpspanel.instances.models import InstanceEvent, VpsInstance
from vpspanel.operations.models import IdempotencyRecord, Operation
from vpspanel.organizations.models import Membership, Organization
from vpspanel.provider_accounts.models import ServiceProvider

__all__ = [
    "AuthSession",
    "Base",
    "IdempotencyRecord",
    "InstanceEvent",
    "Membership",
    "Operation",
    "Organization",
    "PasswordResetToken",
    "RateLimitCounter",
    "ServiceProvider",
    "UpstreamCatalogCache",
    "User",
    "VpsInstance",
    "VpsPlan",
    "VpsPlanRegion",
]
