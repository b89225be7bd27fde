"""What the instance API reads and writes (API_CONTRACT "Customer: instances")."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.instances.validation import (
    HOSTNAME_MAX_LENGTH,
    HOSTNAME_MIN_LENGTH,
    ROOT_PASS_MAX_LENGTH,
    ROOT_PASS_MIN_LENGTH,
)
from vpspanel.pricing import HourlyMoney, MonthlyMoney

ROOT_PASS_RULE = (
    f"{ROOT_PASS_MIN_LENGTH}-{ROOT_PASS_MAX_LENGTH} characters with at least three of: lower "
    "case, upper case, digits, symbols; no control characters; and hard to guess (zxcvbn score "
    "4). Never stored or returned."
)
SSH_KEY_IDS_RULE = (
    "Up to 32 ids of your saved SSH keys (`GET /api/account/ssh-keys`) to install for root, "
    "together with `ssh_keys`; a key sent both ways is installed once (same SHA256 "
    "fingerprint). An id that is not one of your saved keys is reported as "
    "`ssh_key_ids[<index>]`."
)
PLAN_ID = "A plan id as `GET /api/vps/plans` shows (a UUID)."


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeployIn(_Strict):
    label: str = Field(
        max_length=255,
        description=(
            "The server's name and hostname: dot-separated parts of 1-63 letters, digits and "
            f"'-' (not starting or ending with '-'), starting with a letter, {HOSTNAME_MIN_LENGTH}"
            f"-{HOSTNAME_MAX_LENGTH} characters in all, e.g. `web1` or `web1.example.com`."
        ),
    )
    type: str = Field(
        max_length=100,
        description=(
            f"{PLAN_ID} A provider plan id is also taken where exactly one plan on sale offers "
            "it in `region`."
        ),
    )
    region: str = Field(
        max_length=64,
        description=(
            "A region id as `GET /api/vps/regions` shows; the plan must be offered there. A "
            "cloud provider's own region id is refused."
        ),
    )
    image: str = Field(
        max_length=128,
        description="An image id as `GET /api/vps/images?plan=…` shows for the chosen plan.",
    )
    root_pass: str = Field(
        max_length=1024,
        json_schema_extra={"writeOnly": True},
        description=f"The root password: {ROOT_PASS_RULE}",
    )
    ssh_keys: list[str] = Field(
        default_factory=list,
        max_length=32,
        description=(
            "Up to 32 SSH public keys (OpenSSH one-line format) to install for root; the same "
            "key twice is installed once. A bad key is reported as `ssh_keys[<index>]`."
        ),
    )
    ssh_key_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=32,
        description=SSH_KEY_IDS_RULE,
    )


class RebuildIn(_Strict):
    image: str = Field(max_length=128, description="An image id as `GET /api/vps/images` shows.")
    root_pass: str | None = Field(
        default=None,
        max_length=1024,
        json_schema_extra={"writeOnly": True},
        description=(
            "The new root password. Required where the instance's "
            "`capabilities.rebuild_sets_credentials` is true; refused (422) where it is false, "
            "because that server keeps the password and SSH keys it was created with. "
            f"Rule: {ROOT_PASS_RULE}"
        ),
    )
    ssh_keys: list[str] | None = Field(
        default=None,
        max_length=32,
        description=(
            "SSH public keys to install for root instead of the ones the server was created "
            "with (as in deploy; a bad key is `ssh_keys[<index>]`). Omit both `ssh_keys` and "
            "`ssh_key_ids` to install the server's keys again. Refused (422) where "
            "`capabilities.rebuild_sets_credentials` is false."
        ),
    )
    ssh_key_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=32,
        description=f"{SSH_KEY_IDS_RULE} As `ssh_keys`, refused where the server keeps its keys.",
    )


class ResizeIn(_Strict):
    type: str = Field(
        max_length=100,
        description=(
            "The id of the plan to move to: one of `GET /api/vps/{instance_id}/resize-plans` "
            "(a larger plan of the same cloud offered in the server's region)."
        ),
    )


class ResizePlanOut(_Strict):
    """A plan the server can be resized to, priced for the server's region."""

    id: str = Field(description="The plan id to send as `type` to the resize.")
    name: str = Field(description="The plan's name.")
    vcpus: int = Field(description="Virtual CPUs.")
    memory_mb: int = Field(description="Memory in MB.")
    disk_gb: int = Field(description="Disk in GB.")
    transfer_gb: int = Field(description="Monthly network transfer included, in GB.")
    price_monthly: MonthlyMoney = Field(
        description="Price in the server's region, USD per month, as a decimal string (`12.00`)."
    )
    price_hourly: HourlyMoney = Field(
        description="Price in the server's region, USD per hour, as a decimal string (`0.018`)."
    )
    price_difference_monthly: MonthlyMoney = Field(
        description=(
            "This plan's monthly price minus the server's current plan's price in its region, "
            "USD as a decimal string (`5.00`; negative when cheaper)."
        )
    )


class ResizePlansOut(_Strict):
    plans: list[ResizePlanOut] = Field(
        description=(
            "Every plan a resize of this server would accept, cheapest first; empty when no "
            "larger plan is offered in its region."
        )
    )


class Ref(_Strict):
    id: str = Field(
        description="The region id, as `GET /api/vps/regions` shows (admins: the cloud's)."
    )
    label: str = Field(description="The region's name, e.g. `Frankfurt, DE`.")


class PlanRef(_Strict):
    id: str | None = Field(description="The plan id; null once the plan is deleted.")
    name: str | None = Field(description="The plan's name; null once the plan is deleted.")


class InstanceCapabilities(_Strict):
    """What this server's cloud can do, so clients offer only what will work."""

    rebuild_sets_credentials: bool = Field(
        description=(
            "Whether a rebuild installs a new root password and the SSH keys. When false, "
            "`root_pass` on rebuild is refused and the server keeps the credentials it was "
            "created with."
        )
    )


class InstanceOut(_Strict):
    id: str = Field(description="The server id (a UUID).")
    label: str = Field(description="The server's name and hostname.")
    status: str = Field(
        description=(
            "One of pending, provisioning, running, stopped, starting, stopping, rebooting, "
            "rebuilding, resizing, deleting, deleted, failed, maintenance, suspended, unknown."
        )
    )
    status_detail: str | None = Field(
        description="Why no action is offered (maintenance, suspended, unknown); null otherwise."
    )
    ip_address: str | None = Field(description="Public IPv4 address; null until assigned.")
    ipv6: str | None = Field(description="Public IPv6 address; null if none.")
    region: Ref = Field(description="The region the server runs in.")
    plan: PlanRef = Field(description="The plan the server is on.")
    image: str = Field(description="The image id the server was installed from.")
    is_transitional: bool = Field(
        description="True while the status moves by itself (an action under way): poll until false."
    )
    allowed_actions: list[str] = Field(
        description=(
            "The actions possible now, from: boot, shutdown, reboot, rebuild, resize, delete."
        )
    )
    capabilities: InstanceCapabilities = Field(description="What this server's cloud can do.")
    progress: int | None = Field(
        description="Percent done (0-100) of the running action; null when none runs."
    )
    error: str | None = Field(description="Why the last action failed, for the customer; or null.")
    created_at: datetime = Field(description="When the server was requested (UTC).")
    updated_at: datetime = Field(description="When the server last changed (UTC).")


class InstanceEnvelope(_Strict):
    instance: InstanceOut = Field(description="The server.")


class InstanceList(_Strict):
    instances: list[InstanceOut] = Field(description="This page of servers, newest first.")
    total: int = Field(description="How many servers there are on all pages.")
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="Servers per page (1-200).")


class EventOut(_Strict):
    id: str = Field(description="The event id.")
    type: str = Field(
        description=(
            "What happened: the action (create, boot, shutdown, reboot, rebuild, resize, "
            "delete), a step of one (`created`, `retry` after a temporary provider failure), "
            "or something the panel noticed: `status_unknown`, `observed` (a change made "
            "outside the panel, seen at the provider: before → after), `deleted_at_provider`, "
            "`stuck` (left in a transitional status too long)."
        )
    )
    status: str = Field(description="One of queued, running, succeeded, failed.")
    message: str = Field(description="What happened, in words for the customer.")
    created_at: datetime = Field(description="When it started (UTC).")
    finished_at: datetime | None = Field(description="When it ended (UTC); null while under way.")


class EventList(_Strict):
    events: list[EventOut] = Field(description="The server's events, oldest first.")


class MetricsOut(_Strict):
    start: int | None = Field(
        default=None, description="Start of the span asked for, in unix seconds; null if unknown."
    )
    end: int | None = Field(
        default=None, description="End of the span asked for, in unix seconds; null if unknown."
    )
    resolution_seconds: int | None = Field(
        default=None, description="Seconds between points; null if unknown."
    )
    cpu: list[tuple[int, float]] = Field(
        description=(
            "CPU use as [unix seconds, percent] points; only where the server has history."
        )
    )
    network_in: list[tuple[int, float]] = Field(
        description="Inbound traffic as [unix seconds, bits per second] points."
    )
    network_out: list[tuple[int, float]] = Field(
        description="Outbound traffic as [unix seconds, bits per second] points."
    )


class MetricsEnvelope(_Strict):
    metrics: MetricsOut = Field(description="The server's CPU and network history.")


class OrganizationRef(_Strict):
    id: str = Field(description="The organization id.")
    name: str = Field(description="The organization's name.")


class UserRef(_Strict):
    id: str = Field(description="The user id.")
    email: str = Field(description="The user's email address.")


class LastOperationOut(_Strict):
    id: str = Field(description="The operation id.")
    type: str = Field(
        description="The action: create, boot, shutdown, reboot, rebuild, resize or delete."
    )
    status: str = Field(description="One of queued, running, succeeded, failed.")
    error: str | None = Field(description="The reason shown to the customer, if it failed.")


class AdminInstanceOut(InstanceOut):
    provider_status: str | None = Field(
        description=(
            "The status exactly as the provider last reported it (e.g. `billing_suspension`); "
            "null if never read."
        )
    )
    provider_error: str | None = Field(
        description=(
            "The cloud provider's own reason for the last failure or retry of the latest "
            "operation (secrets removed); admins only."
        )
    )
    last_operation: LastOperationOut | None = Field(
        description="The server's latest operation; null if none."
    )
    provider_id: str | None = Field(
        description="The provider account id; null once the account is deleted."
    )
    provider_type: str | None = Field(description="`linode` or `digitalocean`; null if unknown.")
    provider_instance_id: str | None = Field(
        description="The server's id at the provider; null until created there."
    )
    organization: OrganizationRef = Field(description="The organization that owns the server.")
    user: UserRef | None = Field(description="The user who deployed it; null once deleted.")


class AdminInstanceList(_Strict):
    instances: list[AdminInstanceOut] = Field(description="This page of servers, newest first.")
    total: int = Field(description="How many servers match the filters, on every page.")
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="The most servers on one page.")


class AdminInstanceEnvelope(_Strict):
    instance: AdminInstanceOut = Field(description="The server.")
