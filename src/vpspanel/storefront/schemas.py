"""What a customer reads about the catalog. No provider name, type, id, upstream plan id,
upstream price or markup: these models are the only shapes the storefront returns."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegionOut(_Strict):
    id: str
    label: str
    country: str | None


class RegionsOut(_Strict):
    regions: list[RegionOut]


class OfferedPlanOut(_Strict):
    id: str
    name: str
    vcpus: int
    memory_mb: int
    disk_gb: int
    transfer_gb: int
    price_monthly: Decimal
    price_hourly: Decimal
    regions: list[str]


class OfferedPlansOut(_Strict):
    plans: list[OfferedPlanOut]


class ImageOut(_Strict):
    id: str
    label: str
    distribution: str | None
    version: str | None


class ImagesOut(_Strict):
    images: list[ImageOut]
