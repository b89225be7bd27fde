"""The one rule for a region's customer-facing id (storefront/regions.py)."""

from __future__ import annotations

from vpspanel.storefront.regions import public_region_ids


def test_the_public_id_is_the_slug_of_the_label() -> None:
    assert public_region_ids(
        [("us-east", "Newark, NJ"), ("nyc1", "New York 1"), ("eu-central", "Frankfurt, DE")]
    ) == {"us-east": "newark-nj", "nyc1": "new-york-1", "eu-central": "frankfurt-de"}


def test_an_empty_label_gives_a_neutral_id_not_the_providers() -> None:
    assert public_region_ids([("sfo3", ""), ("ams3", None)]) == {
        "ams3": "region",
        "sfo3": "region-2",
    }


def test_regions_of_one_account_sharing_a_slug_are_told_apart_by_upstream_id_order() -> None:
    ids = public_region_ids(
        [("us-east-2", "Newark, NJ"), ("us-east", "Newark NJ"), ("us-x", "Newark NJ 2")]
    )
    assert ids == {"us-east": "newark-nj", "us-east-2": "newark-nj-3", "us-x": "newark-nj-2"}
    assert len(set(ids.values())) == len(ids)


def test_the_id_does_not_depend_on_order_or_on_duplicate_rows() -> None:
    rows = [("us-east", "Newark, NJ"), ("us-west", "Fremont, CA"), ("us-east", "Newark, NJ")]
    assert public_region_ids(rows) == public_region_ids(list(reversed(rows)))
    # One region recorded under two labels (plans made at different times): either order.
    assert public_region_ids([("r1", "B"), ("r1", "A")]) == public_region_ids(
        [("r1", "A"), ("r1", "B")]
    )
