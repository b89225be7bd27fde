"""The panel's run-time settings (admins change them in the UI): who may register, and the server
limit new organizations start with. Read with `panel_settings`; the other parts of the app ask
`registration_policy` (registration, accepting an invitation) and `new_organization_limit`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from vpspanel.customers.models import SETTINGS_ROW_ID, PanelSettings
from vpspanel.errors import Forbidden


class RegistrationMode(StrEnum):
    OPEN = "open"  # anyone may create an account
    INVITE_ONLY = "invite_only"  # only through an organization's invitation
    CLOSED = "closed"  # nobody; admins create accounts with the CLI


@dataclass(frozen=True)
class SignupSettings:
    """Who may register and the limit new organizations get (the defaults when unset)."""

    registration: RegistrationMode
    default_server_limit: int | None


DEFAULTS = SignupSettings(registration=RegistrationMode.OPEN, default_server_limit=None)


async def panel_settings(session: AsyncSession) -> SignupSettings:
    row = await session.get(PanelSettings, SETTINGS_ROW_ID)
    if row is None:
        return DEFAULTS
    return SignupSettings(
        registration=RegistrationMode(row.registration),
        default_server_limit=row.default_server_limit,
    )


async def registration_policy(session: AsyncSession) -> RegistrationMode:
    """Who may create an account now. Self-registration needs `OPEN`; accepting an invitation
    is allowed under `OPEN` and `INVITE_ONLY`."""
    return (await panel_settings(session)).registration


def require_open_registration(mode: RegistrationMode) -> None:
    """Raises Forbidden (403 `registration_closed`) unless anyone may register."""
    if mode is RegistrationMode.INVITE_ONLY:
        raise Forbidden(
            "Registration is by invitation only: ask an organization owner to invite you.",
            code="registration_closed",
        )
    if mode is RegistrationMode.CLOSED:
        raise Forbidden("Registration is closed on this panel.", code="registration_closed")


async def new_organization_limit(session: AsyncSession) -> int | None:
    """The `server_limit` to give an organization created now (None: no limit)."""
    return (await panel_settings(session)).default_server_limit


async def update_panel_settings(
    session: AsyncSession,
    *,
    registration: RegistrationMode | None = None,
    default_server_limit: int | None = None,
    set_default_server_limit: bool = False,
) -> SignupSettings:
    """Change the given settings (`default_server_limit` only when `set_default_server_limit`,
    so that None can mean "no limit"); returns them all as stored."""
    row = await session.get(PanelSettings, SETTINGS_ROW_ID, with_for_update=True)
    if row is None:
        row = PanelSettings(
            id=SETTINGS_ROW_ID,
            registration=DEFAULTS.registration.value,
            default_server_limit=DEFAULTS.default_server_limit,
        )
        session.add(row)
    if registration is not None:
        row.registration = registration.value
    if set_default_server_limit:
        row.default_server_limit = default_server_limit
    await session.flush()
    return SignupSettings(
        registration=RegistrationMode(row.registration),
        default_server_limit=row.default_server_limit,
    )
