"""Provider Abstraction Layer: normalized, typed access to cloud providers.

Nothing here imports the database, models, settings or the web framework: credentials, base URL
and options are passed in.
"""

from vpspanel.providers.base import (
    IDENTITY_TAG_PREFIX,
    TAG_NAMESPACE,
    Provider,
    identity_tag,
    instance_id_from_tags,
)
from vpspanel.providers.errors import (
    ProviderAuthError,
    ProviderBudgetWait,
    ProviderConflict,
    ProviderError,
    ProviderNotFound,
    ProviderPermissionError,
    ProviderRateLimited,
    ProviderUnavailable,
    ProviderValidationError,
)
from vpspanel.providers.http import (
    RateBudgets,
    RateLimits,
    RateRule,
    RetryPolicy,
    close_shared_client,
    get_shared_client,
)
from vpspanel.providers.registry import (
    DEFAULT_BASE_URLS,
    PROVIDER_TYPES,
    UnknownProviderType,
    default_limits,
    get_provider,
)
from vpspanel.providers.types import (
    AccountInfo,
    CreateInstanceSpec,
    CreateOptions,
    InstanceMetrics,
    InstanceStatus,
    Permissions,
    ProviderImage,
    ProviderInstance,
    ProviderPlan,
    ProviderRegion,
    RegionPrice,
    VerifyResult,
)

__all__ = [
    "DEFAULT_BASE_URLS",
    "IDENTITY_TAG_PREFIX",
    "PROVIDER_TYPES",
    "TAG_NAMESPACE",
    "AccountInfo",
    "CreateInstanceSpec",
    "CreateOptions",
    "InstanceMetrics",
    "InstanceStatus",
    "Permissions",
    "Provider",
    "ProviderAuthError",
    "ProviderBudgetWait",
    "ProviderConflict",
    "ProviderError",
    "ProviderImage",
    "ProviderInstance",
    "ProviderNotFound",
    "ProviderPermissionError",
    "ProviderPlan",
    "ProviderRateLimited",
    "ProviderRegion",
    "ProviderUnavailable",
    "ProviderValidationError",
    "RateBudgets",
    "RateLimits",
    "RateRule",
    "RegionPrice",
    "RetryPolicy",
    "UnknownProviderType",
    "VerifyResult",
    "close_shared_client",
    "default_limits",
    "get_provider",
    "get_shared_client",
    "identity_tag",
    "instance_id_from_tags",
]
