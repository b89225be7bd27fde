from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.catalog.models import VpsPlan
from vpspanel.organizations.models import Organization


class TestMoney:
    @pytest.mark.parametrize(
        ("monthly", "hourly"),
        [(Decimal("5.00"), Decimal("0.00744")), (Decimal("99999999.99"), Decimal("0.00001"))],
    )
    async def test_prices_round_trip_exactly(
        self, session: AsyncSession, monthly: Decimal, hourly: Decimal
    ) -> None:
        plan = VpsPlan(
            name="Exact",
            provider_plan_id="s-1vcpu-1gb",
            base_price=monthly,
            base_price_hourly=hourly,
            markup_price=Decimal("2.00"),
        )
        session.add(plan)
        await session.flush()
        session.expunge_all()
        loaded = await session.scalar(select(VpsPlan).where(VpsPlan.id == plan.id))
        assert loaded is not None
        assert loaded.base_price == monthly and str(loaded.base_price) == str(monthly)
        assert loaded.base_price_hourly == hourly
        assert loaded.markup_price + loaded.base_price == monthly + Decimal("2.00")

    async def test_markup_defaults_to_zero_in_the_database(self, session: AsyncSession) -> None:
        plan = VpsPlan(
            name="No markup",
            provider_plan_id="g6-nanode-1",
            base_price=Decimal("5"),
            base_price_hourly=Decimal("0.0075"),
        )
        session.add(plan)
        await session.flush()
        session.expunge_all()
        loaded = await session.get(VpsPlan, plan.id)
        assert loaded is not None
        assert loaded.markup_price == Decimal("0.00")


class TestUtcDateTime:
    async def test_times_come_back_aware_in_utc(self, session: AsyncSession) -> None:
        plus_two = timezone(timedelta(hours=2))
        created = datetime(2026, 1, 2, 12, 0, tzinfo=plus_two)
        org = Organization(id=uuid.uuid4(), name="Acme", created_at=created, updated_at=created)
        session.add(org)
        await session.flush()
        session.expunge_all()
        loaded = await session.get(Organization, org.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at == datetime(2026, 1, 2, 10, 0, tzinfo=UTC)

    async def test_naive_datetimes_are_refused(self, session: AsyncSession) -> None:
        naive = datetime(2026, 1, 2, 12, 0)
        session.add(Organization(name="Naive", created_at=naive, updated_at=naive))
        with pytest.raises(StatementError):
            await session.flush()
