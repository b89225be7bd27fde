"""What a customer reads about the catalog. No provider name, type, id, upstream plan id,
upstream price or markup: these models are the only shapes the storefront returns."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionOut(_Strict):
    id: str = Field(
        description=(
            "The region id to deploy in (`region`): the panel's own, from the region's name "
            "(e.g. `frankfurt-de`)."
        )
    )
    label: str = Field(description="The region's name, e.g. `Frankfurt, DE`.")
    country: str | None = Field(
        description="ISO 3166-1 alpha-2 country code (e.g. `DE`); null if unknown."
    )


class RegionsOut(_Strict):
    regions: list[RegionOut] = Field(description="Regions with at least one plan on sale, by name.")


class OfferedPlanOut(_Strict):
    id: str = Field(description="The plan id to deploy with (`type`).")
    name: str = Field(description="The plan's name.")
    vcpus: int = Field(description="Virtual CPUs.")
    memory_mb: int = Field(description="Memory in MB.")
    disk_gb: int = Field(description="Disk in GB.")
    transfer_gb: int = Field(description="Monthly network transfer included, in GB.")
    price_monthly: Decimal = Field(
        description=(
            "USD per month as a decimal string (`7.00`): in the `region` asked for, else the "
            "list price (a region may cost more)."
        )
    )
    price_hourly: Decimal = Field(
        description="USD per hour as a decimal string (`0.0105`), priced like `price_monthly`."
    )
    regions: list[str] = Field(
        description="The region ids (as `GET /api/vps/regions` shows) the plan is offered in."
    )


class OfferedPlansOut(_Strict):
    plans: list[OfferedPlanOut] = Field(
        description="Plans on sale (in the `region` asked for, if any)."
    )


class ImageOut(_Strict):
    id: str = Field(description="The image id to deploy or rebuild with (`image`).")
    label: str = Field(description="The image's name, e.g. `Ubuntu 24.04 LTS`.")
    distribution: str | None = Field(description="The distribution, e.g. `Ubuntu`; or null.")
    version: str | None = Field(description="The distribution's version, e.g. `24.04`; or null.")


class ImagesOut(_Strict):
    images: list[ImageOut] = Field(
        description="Images the plan can be deployed with, by distribution and version."
    )
