from tests.provider_accounts.support import (
    admin,
    closed_port_url,
    customer,
    instant_providers,
    sim,
    simulator_server,
)

__all__ = [
    "admin",
    "closed_port_url",
    "customer",
    "instant_providers",
    "sim",
    "simulator_server",
]
