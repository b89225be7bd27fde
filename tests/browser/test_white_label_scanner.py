"""The white-label scanner itself (no browser): it must catch each kind of leak, and let our own
names, ids, region labels and customer prices through."""

from __future__ import annotations

from decimal import Decimal

from tests.browser.white_label import WhiteLabel

SCANNER = WhiteLabel(
    plan_ids={"g6-nanode-1", "s-2vcpu-2gb", "c-2"},
    region_ids={"us-east", "nyc1"},
    base_amounts={Decimal("5"), Decimal("0.0075")},
)


def test_page_text_with_an_upstream_region_plan_or_provider_name_is_a_leak() -> None:
    for text in (
        "Region: us-east",
        "Deployed in NYC1.",
        "Plan s-2vcpu-2gb",
        "(g6-nanode-1)",
        "Powered by Linode",
        "a DigitalOcean droplet",
        "Digital Ocean",
        "Akamai Cloud",
    ):
        assert SCANNER.leaks_in_text(text), text


def test_our_own_words_ids_and_region_labels_are_not_leaks() -> None:
    text = (
        "Standard 1GB in Newark, NJ — $7.00/mo. Server 9e9aa433-1f6a-4cc8-8bec-2a95d62e3556 "
        "in us-east-1b, house-us-east, nyc10, a bus-eastward trip, etc-2 and abc-2."
    )
    assert SCANNER.leaks_in_text(text) == []


def test_json_with_base_price_or_markup_keys_is_a_leak() -> None:
    leaks = SCANNER.leaks_in_json({"plan": {"name": "Standard", "base_price": "5.00"}})
    assert any("base_price" in leak for leak in leaks)
    assert SCANNER.leaks_in_json([{"markup_price": "2.00"}])
    assert SCANNER.leaks_in_json({"provider_plan_id": "x"})


def test_json_with_a_base_price_amount_is_a_leak() -> None:
    assert SCANNER.leaks_in_json({"plans": [{"price_monthly": "5.00"}]})
    assert SCANNER.leaks_in_json({"price_hourly": 0.0075})
    assert SCANNER.leaks_in_json({"price_monthly": "7.00", "price_hourly": "0.01042"}) == []
    # A price difference is worked out from customer prices; it may equal a base price.
    assert SCANNER.leaks_in_json({"price_difference_monthly": "5.00"}) == []


def test_json_upstream_region_id_is_a_leak_anywhere_even_as_a_region_key() -> None:
    ours = {
        "regions": [{"id": "newark-nj", "label": "Newark, NJ"}],
        "plans": [{"id": "x", "regions": ["new-york-1"]}],
        "instance": {"region": {"id": "newark-nj", "label": "Newark, NJ"}},
    }
    assert SCANNER.leaks_in_json(ours) == []
    for leaked in (
        {"regions": [{"id": "us-east", "label": "Newark, NJ"}]},
        {"plans": [{"id": "x", "regions": ["nyc1"]}]},
        {"instance": {"region": {"id": "us-east", "label": "Newark, NJ"}}},
        {"instance": {"region": "us-east"}},
        {"regions": [{"id": "us-east", "label": "us-east"}]},
        {"detail": "The region us-east is full."},
        {"instance": {"plan": "s-2vcpu-2gb"}},
        {"events": [{"message": "Linode said no"}]},
        {"id": "nyc1"},
    ):
        assert SCANNER.leaks_in_json(leaked), leaked


def test_a_body_that_is_not_json_is_scanned_as_text() -> None:
    assert SCANNER.leaks_in_body("<p>us-east</p>")
    assert SCANNER.leaks_in_body('{"ok": true}') == []
