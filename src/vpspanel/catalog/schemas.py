"""Request and response bodies of the admin catalog API (upstream catalog and VPS plans)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

from vpspanel.catalog.pricing import format_hourly, format_monthly
from vpspanel.input_rules import DisplayName

MonthlyMoney = Annotated[Decimal, PlainSerializer(format_monthly, return_type=str)]
HourlyMoney = Annotated[Decimal, PlainSerializer(format_hourly, return_type=str)]
CatalogKind = Literal["plans", "regions", "images"]
ProviderType = Literal["linode", "digitalocean"]


def _unique_regions(regions: list[str]) -> list[str]:
    return list(dict.fromkeys(regions))


RegionList = Annotated[
    list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]],
    Field(min_length=1, max_length=200),
    AfterValidator(_unique_regions),
]
PlanName = DisplayName
Markup = Annotated[Decimal, Field(ge=0, max_digits=10, decimal_places=2, allow_inf_nan=False)]


# --- upstream catalog -----------------------------------------------------------------------


class UpstreamRegionPrice(BaseModel):
    monthly: MonthlyMoney
    hourly: HourlyMoney


class UpstreamPlan(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    label: str
    plan_class: str = Field(alias="class")
    vcpus: int
    memory_mb: int
    disk_gb: int
    transfer_gb: int
    price_monthly: MonthlyMoney
    price_hourly: HourlyMoney
    region_prices: dict[str, UpstreamRegionPrice]
    regions: list[str] | None
    available: bool = True

    def offered_in(self, region_id: str) -> bool:
        return self.regions is None or region_id in self.regions

    def price_in(self, region_id: str) -> UpstreamRegionPrice:
        return self.region_prices.get(region_id) or UpstreamRegionPrice(
            monthly=self.price_monthly, hourly=self.price_hourly
        )


class UpstreamRegion(BaseModel):
    id: str
    label: str
    country: str | None
    available: bool


class UpstreamImage(BaseModel):
    id: str
    label: str
    distribution: str | None
    version: str | None
    deprecated: bool
    # Additions: where a DigitalOcean image exists and the disk it needs (None = any).
    regions: list[str] | None = None
    min_disk_gb: int | None = None


class CatalogFreshness(BaseModel):
    """Addition to the contract: when the answer was fetched, and whether it is a stale copy
    served because the provider could not be reached."""

    provider_id: uuid.UUID
    fetched_at: datetime
    stale: bool


class UpstreamPlansOut(CatalogFreshness):
    plans: list[UpstreamPlan]


class UpstreamRegionsOut(CatalogFreshness):
    regions: list[UpstreamRegion]


class UpstreamImagesOut(CatalogFreshness):
    images: list[UpstreamImage]


# --- VPS plans --------------------------------------------------------------------------------


class PlanCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_id: uuid.UUID
    provider_plan_id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    name: PlanName
    markup_price: Markup
    regions: RegionList
    active: bool = True


class PlanUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlanName | None = None
    markup_price: Markup | None = None
    regions: RegionList | None = None
    active: bool | None = None


class PlanProviderOut(BaseModel):
    id: uuid.UUID
    name: str
    type: str


class PlanSpecificationsOut(BaseModel):
    vcpus: int
    memory: int  # MB
    disk: int  # GB
    transfer: int  # GB
    regions: list[str]


class PlanRegionOut(BaseModel):
    """Addition: each region the plan is sold in, with its upstream price and ours."""

    id: str
    label: str
    country: str | None
    base_price_monthly: MonthlyMoney
    base_price_hourly: HourlyMoney
    price_monthly: MonthlyMoney
    price_hourly: HourlyMoney


class PlanOut(BaseModel):
    id: uuid.UUID
    provider_id: uuid.UUID | None
    provider: PlanProviderOut | None
    name: str
    provider_plan_id: str
    base_price: MonthlyMoney
    base_price_hourly: HourlyMoney
    markup_price: MonthlyMoney
    price_monthly: MonthlyMoney
    price_hourly: HourlyMoney
    specifications: PlanSpecificationsOut
    regions: list[PlanRegionOut]
    active: bool
    created_at: datetime
    updated_at: datetime


class PlanEnvelope(BaseModel):
    plan: PlanOut


class PlansOut(BaseModel):
    plans: list[PlanOut]


class PriceRefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_id: uuid.UUID | None = None


class PriceChangeOut(BaseModel):
    plan_id: uuid.UUID
    plan_name: str
    region: str | None  # None: the plan's base price
    period: Literal["monthly", "hourly"]
    old: HourlyMoney
    new: HourlyMoney


class PriceRefreshFailure(BaseModel):
    provider_id: uuid.UUID
    error: str


class PriceRefreshOut(BaseModel):
    plans_checked: int
    changes: list[PriceChangeOut]
    missing_upstream: list[uuid.UUID]  # plans whose upstream plan no longer exists
    failures: list[PriceRefreshFailure]
