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
    StringConstraints,
)

from vpspanel.input_rules import NAME_MAX_LENGTH, DisplayName
from vpspanel.pricing import HOURLY, MONTHLY, HourlyMoney, MonthlyMoney

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

PLAN_NAME = (
    f"The name customers see: 1-{NAME_MAX_LENGTH} characters after trimming and NFKC "
    "normalization, no control or invisible characters; unique per upstream plan of an account."
)
MARKUP = (
    "What we add to the upstream price, USD per month: a decimal (string or number) of at most "
    "10 digits with 2 decimals, 0 or more."
)
REGIONS = (
    "Region ids to sell the plan in (1-200, each 1-64 characters, duplicates dropped): regions "
    "of the account where the upstream plan is offered and the account allows."
)


# --- VPS plans --------------------------------------------------------------------------------


class PlanCreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_id: uuid.UUID = Field(description="The provider account to sell from.")
    provider_plan_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(
        description="The upstream plan id (1-100 characters), available at the provider."
    )
    name: PlanName = Field(description=PLAN_NAME)
    markup_price: Markup = Field(description=MARKUP)
    regions: RegionList = Field(description=REGIONS)
    active: bool = Field(default=True, description="Whether it is on sale at once.")


class PlanUpdateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlanName | None = Field(default=None, description=f"{PLAN_NAME} Null: unchanged.")
    markup_price: Markup | None = Field(default=None, description=f"{MARKUP} Null: unchanged.")
    regions: RegionList | None = Field(
        default=None,
        description=f"{REGIONS} Replaces the list; new regions take the current upstream price. "
        "Null: unchanged.",
    )
    active: bool | None = Field(default=None, description="Whether it is on sale; null: unchanged.")


class PlanProviderOut(BaseModel):
    id: uuid.UUID = Field(description="The provider account id.")
    name: str = Field(description="The provider account's name.")
    type: str = Field(description="The cloud: `linode` or `digitalocean`.")


class PlanSpecificationsOut(BaseModel):
    vcpus: int = Field(description="Virtual CPUs.")
    memory: int = Field(description="Memory in MB.")
    disk: int = Field(description="Disk in GB.")
    transfer: int = Field(description="Monthly network transfer included, in GB.")
    regions: list[str] = Field(description="The region ids the plan is sold in.")


class PlanRegionOut(BaseModel):
    """Addition: each region the plan is sold in, with its upstream price and ours."""

    id: str = Field(description="The region id.")
    label: str = Field(description="The region's name.")
    country: str | None = Field(
        description="ISO 3166-1 alpha-2 country code (e.g. `US`); null if unknown."
    )
    base_price_monthly: MonthlyMoney = Field(description=f"The provider's price there, {MONTHLY}")
    base_price_hourly: HourlyMoney = Field(description=f"The provider's price there, {HOURLY}")
    price_monthly: MonthlyMoney = Field(
        description=f"The customer's price there (base + markup), {MONTHLY}"
    )
    price_hourly: HourlyMoney = Field(
        description=f"The customer's price there, scaled like the provider's hourly price, {HOURLY}"
    )


class PlanOut(BaseModel):
    id: uuid.UUID = Field(description="The plan id (customers send it as `type`).")
    provider_id: uuid.UUID | None = Field(
        description="The provider account id; null once the account is deleted."
    )
    provider: PlanProviderOut | None = Field(
        description="The provider account; null once it is deleted."
    )
    name: str = Field(description="The name customers see.")
    provider_plan_id: str = Field(description="The upstream plan id.")
    base_price: MonthlyMoney = Field(description=f"The provider's list price, {MONTHLY}")
    base_price_hourly: HourlyMoney = Field(description=f"The provider's list price, {HOURLY}")
    markup_price: MonthlyMoney = Field(description=f"Our markup, {MONTHLY}")
    price_monthly: MonthlyMoney = Field(
        description=f"The customer's list price (base + markup), {MONTHLY}"
    )
    price_hourly: HourlyMoney = Field(description=f"The customer's list price, {HOURLY}")
    specifications: PlanSpecificationsOut = Field(description="The plan's size.")
    regions: list[PlanRegionOut] = Field(
        description="Each region it is sold in, with that region's prices."
    )
    active: bool = Field(
        description="Whether the admin offers it; see `on_sale` for whether customers can buy it."
    )
    on_sale: bool = Field(
        description=(
            "Whether customers can buy it now: the plan and its provider account are active and "
            "at least one of its regions is allowed by the account."
        )
    )
    not_on_sale_reason: str | None = Field(
        description="Why customers cannot buy it, in plain words; null when `on_sale`."
    )
    blocked_regions: list[str] = Field(
        description=(
            "Ids of its regions outside the provider account's allowed regions: not sold there "
            "until the account allows them again or they are removed from the plan."
        )
    )
    created_at: datetime = Field(description="When it was created (UTC).")
    updated_at: datetime = Field(description="When it last changed (UTC).")


class PlanEnvelope(BaseModel):
    plan: PlanOut = Field(description="The plan.")


class PlansOut(BaseModel):
    plans: list[PlanOut] = Field(description="Every plan, active or not.")


class PriceRefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_id: uuid.UUID | None = Field(
        default=None, description="Refresh only this account's plans; null: every account."
    )


class PriceChangeOut(BaseModel):
    plan_id: uuid.UUID = Field(description="The plan whose price changed.")
    plan_name: str = Field(description="Its name.")
    region: str | None = Field(description="The region id; null: the plan's base price.")
    period: Literal["monthly", "hourly"] = Field(description="Which price changed.")
    old: HourlyMoney = Field(description="The previous upstream price, USD as a decimal string.")
    new: HourlyMoney = Field(description="The new upstream price, USD as a decimal string.")


class PriceRefreshFailure(BaseModel):
    provider_id: uuid.UUID = Field(description="The provider account that failed.")
    error: str = Field(description="Why its prices could not be read.")


class PriceRefreshOut(BaseModel):
    plans_checked: int = Field(description="How many plans were compared.")
    changes: list[PriceChangeOut] = Field(description="Every base price that changed.")
    missing_upstream: list[uuid.UUID] = Field(
        description="Plans whose upstream plan no longer exists."
    )
    failures: list[PriceRefreshFailure] = Field(
        description="Provider accounts that could not be asked."
    )
