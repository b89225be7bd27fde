"""What /api/admin/orphans reads and writes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from vpspanel.orphans.models import OrphanState


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrphanOut(_Strict):
    id: uuid.UUID = Field(description="The orphan's id (ours, not the provider's).")
    provider_account_id: uuid.UUID = Field(description="The provider account it was found in.")
    provider_account_name: str = Field(description="That provider account's name.")
    provider_server_id: str = Field(description="The server's id at the provider.")
    label: str = Field(description="The server's label (Linode) or name (DigitalOcean).")
    created_at_provider: datetime | None = Field(
        description="When the provider created the server (UTC); null if it did not say."
    )
    tag: str = Field(
        description="Our identity tag on the server, `vpspanel:<instance id>`: the instance it "
        "names is missing, failed, deleted, or belongs to another account."
    )
    first_seen_at: datetime = Field(description="When a sweep first found it unowned (UTC).")
    last_seen_at: datetime = Field(
        description="When a sweep last listed it (UTC), refreshed at most every 30 minutes."
    )
    state: OrphanState = Field(
        description="`open` (waiting for a decision), `ignored` (kept, hidden from the open "
        "list), `deleting` (a delete was sent; ask again if it stays), `deleted` (deleted through "
        "the panel), `gone` (no longer listed by the provider), `adopted` (a server of ours "
        "owns it now)."
    )
    state_changed_at: datetime = Field(description="When `state` last changed (UTC).")


class OrphanList(_Strict):
    orphans: list[OrphanOut] = Field(description="This page, most recently found first.")
    total: int = Field(description="How many orphans are in the asked states, on every page.")
    page: int = Field(description="This page's number, from 1.")
    per_page: int = Field(description="The most orphans on one page.")


class OrphanEnvelope(_Strict):
    orphan: OrphanOut = Field(description="The orphan, after the action.")
