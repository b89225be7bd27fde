"""The customer catalog: what can be bought, where, with which images (white-label)."""
