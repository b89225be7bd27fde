"""vpspanel: a white-label, multi-provider VPS panel."""
