"""The one rule for a region's customer-facing id.

A white-label panel must not show the provider's own region ids (`nyc1`, `sfo3`, `ams3` are
unmistakably DigitalOcean; `us-east` is Linode's): customers see, and send back, the panel's own
public id instead. Admin routes keep the provider's ids.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

UNKNOWN_REGION = "Unknown region: use a region id the catalog shows."


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "region"


def public_region_ids(regions: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """upstream region id -> public region id, for the regions of ONE provider account, given
    as `(upstream id, label)` pairs (duplicates are fine; an id listed under several labels takes
    the first in sort order).

    The public id is the slug of the region's label (already shown to customers): lower case,
    every run of other characters than `a-z0-9` one `-`, none at either end; an empty label
    gives `region`. Examples: `"Newark, NJ"` -> `newark-nj`, `"New York 1"` -> `new-york-1`,
    `"Frankfurt, DE"` -> `frankfurt-de`, `"São Paulo"` -> `s-o-paulo`.

    Only when two regions of the account would share a slug are they told apart: by upstream
    id order, the first keeps the slug and the next get `-2`, `-3`... (`newark-nj`,
    `newark-nj-2`; a suffix another region's own slug has is skipped), a disambiguator that
    reveals nothing of the provider's ids (a hash of them could be looked up).

    The id depends only on the labels and ids the provider gives, so it survives restarts and
    key rotations. Regions of different accounts with the same public id are one region to the
    customer (offering the plans of both accounts).
    """
    labels: dict[str, str] = {}
    for upstream_id, label in regions:
        # Plans recorded at different times may hold different labels for one region: take
        # the same one whatever the order they come in.
        labels[upstream_id] = min(labels.get(upstream_id, label or ""), label or "")
    by_slug: dict[str, list[str]] = defaultdict(list)
    for upstream_id in sorted(labels):
        by_slug[_slug(labels[upstream_id])].append(upstream_id)
    public: dict[str, str] = {}
    taken = set(by_slug)
    for slug, upstream_ids in sorted(by_slug.items()):
        public[upstream_ids[0]] = slug
        suffix = 1
        for upstream_id in upstream_ids[1:]:
            suffix += 1
            while f"{slug}-{suffix}" in taken:  # another region's own label slugs to it
                suffix += 1
            public[upstream_id] = f"{slug}-{suffix}"
            taken.add(public[upstream_id])
    return public
