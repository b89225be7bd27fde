"""Money rules for plans: monthly prices have 2 decimals, hourly prices up to 5.

Our markup is a monthly amount. The hourly price keeps the provider's own hourly/monthly ratio
(Linode $5.00 → $0.0075/h; with $2.00 markup → $7.00 and $0.0105/h), so a month of hourly billing
never costs more than the monthly price, as at the providers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import PlainSerializer

CENT = Decimal("0.01")
HOURLY_QUANTUM = Decimal("0.00001")
HOURS_PER_MONTH = Decimal(730)


def monthly(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def hourly(value: Decimal) -> Decimal:
    return value.quantize(HOURLY_QUANTUM, rounding=ROUND_HALF_UP)


def format_monthly(value: Decimal) -> str:
    """'5.00'."""
    return f"{monthly(value):f}"


def format_hourly(value: Decimal) -> str:
    """At most 5 decimals, at least 2, no needless trailing zeros: '0.00744', '0.0075', '1.50'."""
    text = f"{hourly(value):f}"
    whole, _, decimals = text.partition(".")
    decimals = decimals.rstrip("0")
    return f"{whole}.{decimals.ljust(2, '0')}"


MONTHLY = "USD per month as a decimal string with 2 decimals (`5.00`)."
HOURLY = "USD per hour as a decimal string with 2-5 decimals (`0.0075`)."
# Decimals in API bodies: a monthly price as '5.00', an hourly one as '0.0075'.
MonthlyMoney = Annotated[Decimal, PlainSerializer(format_monthly, return_type=str)]
HourlyMoney = Annotated[Decimal, PlainSerializer(format_hourly, return_type=str)]


def price_monthly(base_monthly: Decimal, markup: Decimal) -> Decimal:
    return monthly(base_monthly + markup)


def price_hourly(base_monthly: Decimal, base_hourly: Decimal, markup: Decimal) -> Decimal:
    """The hourly price with our markup, scaled like the provider's own hourly price."""
    if base_monthly > 0:
        return hourly(base_hourly * (base_monthly + markup) / base_monthly)
    return hourly(base_hourly + markup / HOURS_PER_MONTH)
