"""The Provider interface every cloud driver implements."""

from __future__ import annotations

import abc
import logging
from collections.abc import Sequence
from typing import ClassVar
from uuid import UUID

from vpspanel.providers.types import (
    ChangeBatch,
    CreateInstanceSpec,
    InstanceMetrics,
    ProviderImage,
    ProviderInstance,
    ProviderPlan,
    ProviderRegion,
    VerifyResult,
)

# Every instance we create carries TAG_NAMESPACE (so our instances can be listed with one
# filter) and IDENTITY_TAG_PREFIX + our instance id (so a lost create can be found again).
# "vpspanel:<uuid>" is 45 characters: inside Linode's 3-50 and DigitalOcean's ^[a-zA-Z0-9_\-:]+$.
TAG_NAMESPACE = "vpspanel"
IDENTITY_TAG_PREFIX = f"{TAG_NAMESPACE}:"


def identity_tag(instance_id: UUID) -> str:
    """Our tag on the provider side for one of our instances."""
    return f"{IDENTITY_TAG_PREFIX}{instance_id}"


def instance_id_from_tags(tags: list[str]) -> UUID | None:
    """Our instance id, read back from a provider instance's tags (None if it is not ours)."""
    for tag in tags:
        if tag.startswith(IDENTITY_TAG_PREFIX):
            try:
                return UUID(tag.removeprefix(IDENTITY_TAG_PREFIX))
            except ValueError:
                continue
    return None


logger = logging.getLogger(__name__)


def first_made(
    tagged: Sequence[ProviderInstance], instance_id: UUID, provider_type: str
) -> ProviderInstance | None:
    """Of the provider instances carrying `instance_id`'s identity tag, the first made (the
    lowest numeric id; None when there is none). More than one means a create was sent twice:
    logged, and the others are left to the orphan sweep."""
    if len(tagged) > 1:
        logger.warning(
            "%s: %d instances carry the tag of %s", provider_type, len(tagged), instance_id
        )
    return min(tagged, key=lambda instance: int(instance.id)) if tagged else None


class Provider(abc.ABC):
    """A cloud account seen through our vocabulary.

    Every method raises only `vpspanel.providers.errors.ProviderError` subclasses.
    """

    type: ClassVar[str]
    default_base_url: ClassVar[str]
    # Whether rebuild() applies the new root password and SSH keys (DigitalOcean's cannot).
    rebuild_sets_credentials: ClassVar[bool] = True

    def identity_tag(self, instance_id: UUID) -> str:
        return identity_tag(instance_id)

    @abc.abstractmethod
    def provider_label(self, label: str, instance_id: UUID) -> str:
        """The label/name the provider sees for our instance (valid for that provider)."""

    @abc.abstractmethod
    async def verify(self) -> VerifyResult:
        """Check the key: who it belongs to and what it may do. Raises ProviderAuthError."""

    @abc.abstractmethod
    async def list_plans(self) -> list[ProviderPlan]: ...

    @abc.abstractmethod
    async def list_regions(self) -> list[ProviderRegion]: ...

    @abc.abstractmethod
    async def list_images(self) -> list[ProviderImage]: ...

    @abc.abstractmethod
    async def create_instance(self, spec: CreateInstanceSpec) -> ProviderInstance:
        """Send the create once; never looks the instance up by itself.

        Raises ProviderUnavailable(may_have_succeeded=True) when the request left and its
        outcome is unknown (the caller finds it by tag, after a quiet period, see
        `instances/tasks.py`), and ProviderAlreadyExists when the provider refuses it because
        an instance with the same derived label exists (a create sent again after all)."""

    @abc.abstractmethod
    async def find_instance_by_tag(self, instance_id: UUID) -> ProviderInstance | None: ...

    @abc.abstractmethod
    async def get_instance(self, provider_instance_id: str) -> ProviderInstance | None:
        """None when the provider answers 404."""

    @abc.abstractmethod
    async def list_instances(self, tagged_only: bool = True) -> list[ProviderInstance]:
        """Every page; with tagged_only, only instances carrying TAG_NAMESPACE."""

    @abc.abstractmethod
    async def delete_instance(self, provider_instance_id: str) -> None:
        """Safe to repeat: an instance already gone is not an error."""

    @abc.abstractmethod
    async def boot(self, provider_instance_id: str) -> None: ...

    @abc.abstractmethod
    async def shutdown(self, provider_instance_id: str) -> None: ...

    @abc.abstractmethod
    async def reboot(self, provider_instance_id: str) -> None: ...

    @abc.abstractmethod
    async def rebuild(
        self,
        provider_instance_id: str,
        image_id: str,
        root_pass: str | None,
        ssh_public_keys: list[str],
    ) -> None:
        """Reinstall from `image_id`. Where `rebuild_sets_credentials`, `root_pass` is required
        and it and the keys replace the old ones; elsewhere both must be None / empty (the
        server keeps its credentials) and a `root_pass` is refused with
        ProviderValidationError("root_pass") rather than dropped."""

    @abc.abstractmethod
    async def resize(self, provider_instance_id: str, plan_id: str) -> None: ...

    @abc.abstractmethod
    async def get_metrics(self, provider_instance_id: str, period_hours: int) -> InstanceMetrics:
        """CPU percent and network bits/s over the last `period_hours`."""

    def budget_headroom(self) -> float:
        """The fraction (0.0-1.0) of the account's request budget free now for a read; a
        poller stretches its interval as it falls. A provider without budgets has 1.0."""
        return 1.0

    @abc.abstractmethod
    async def list_changes_since(self, cursor: str | None) -> ChangeBatch:
        """The account's instance changes recorded in the provider's activity feed since
        `cursor` (the `next_cursor` of the previous call; None to start the feed).

        Costs one request when nothing happened and at most a bounded number of pages
        otherwise. Reports `gap` (the caller must do a full listing) when starting, when the
        cursor is older than the provider keeps its feed or unreadable, when more entries
        arrived than the bound, and when the feed cannot be read (5xx, timeout, a key without
        the feed's scope); after an unreadable feed `next_cursor` is `cursor` again. Raises
        ProviderAuthError for a rejected key and ProviderRateLimited / ProviderBudgetWait like
        every other call."""
