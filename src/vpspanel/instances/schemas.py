"""What the instance API reads and writes (API_CONTRACT "Customer: instances")."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeployIn(_Strict):
    label: str = Field(max_length=255)
    type: str = Field(max_length=100)
    region: str = Field(max_length=64)
    image: str = Field(max_length=128)
    root_pass: str = Field(max_length=1024, json_schema_extra={"writeOnly": True})
    ssh_keys: list[str] = Field(default_factory=list, max_length=32)


class RebuildIn(_Strict):
    image: str = Field(max_length=128, description="An image id as `GET /api/vps/images` shows.")
    root_pass: str | None = Field(
        default=None,
        max_length=1024,
        json_schema_extra={"writeOnly": True},
        description=(
            "The new root password. Required where the instance's "
            "`capabilities.rebuild_sets_credentials` is true; refused (422) where it is false, "
            "because that server keeps the password and SSH keys it was created with."
        ),
    )


class ResizeIn(_Strict):
    type: str = Field(max_length=100)


class Ref(_Strict):
    id: str
    label: str


class PlanRef(_Strict):
    id: str | None
    name: str | None


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
    id: str
    label: str
    status: str
    # Why no action is offered (maintenance, suspended, unknown); null otherwise.
    status_detail: str | None
    ip_address: str | None
    ipv6: str | None
    region: Ref
    plan: PlanRef
    image: str
    is_transitional: bool
    allowed_actions: list[str]
    capabilities: InstanceCapabilities
    progress: int | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class InstanceEnvelope(_Strict):
    instance: InstanceOut


class InstanceList(_Strict):
    instances: list[InstanceOut]
    total: int
    page: int
    per_page: int


class EventOut(_Strict):
    id: str
    type: str
    status: str
    message: str
    created_at: datetime
    finished_at: datetime | None


class EventList(_Strict):
    events: list[EventOut]


class MetricsOut(_Strict):
    # The span asked for (unix seconds) and the spacing of the points; points exist only where
    # the server has history (a new server has few).
    start: int | None = None
    end: int | None = None
    resolution_seconds: int | None = None
    cpu: list[tuple[int, float]]
    network_in: list[tuple[int, float]]
    network_out: list[tuple[int, float]]


class MetricsEnvelope(_Strict):
    metrics: MetricsOut


class OrganizationRef(_Strict):
    id: str
    name: str


class UserRef(_Strict):
    id: str
    email: str


class LastOperationOut(_Strict):
    id: str
    type: str
    status: str
    error: str | None = Field(description="The reason shown to the customer, if it failed.")


class AdminInstanceOut(InstanceOut):
    # The status exactly as the provider last reported it (e.g. "billing_suspension").
    provider_status: str | None
    provider_error: str | None = Field(
        description=(
            "The cloud provider's own reason for the last failure or retry of the latest "
            "operation (secrets removed); admins only."
        )
    )
    last_operation: LastOperationOut | None
    provider_id: str | None
    provider_type: str | None
    provider_instance_id: str | None
    organization: OrganizationRef
    user: UserRef | None


class AdminInstanceList(_Strict):
    instances: list[AdminInstanceOut] = Field(description="This page of servers, newest first.")
    total: int = Field(description="How many servers match the filters, on every page.")
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="The most servers on one page.")


class AdminInstanceEnvelope(_Strict):
    instance: AdminInstanceOut
