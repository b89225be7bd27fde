"""Runtime-tunable behaviour of the simulator (also exposed as `/_control/config`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RateLimit(BaseModel):
    """At most `limit` requests per sliding window of `window_seconds`, per token."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(ge=1)
    window_seconds: float = Field(gt=0)


class Durations(BaseModel):
    """Seconds each lifecycle transition takes; 0 completes on the next read."""

    model_config = ConfigDict(extra="forbid")

    provision: float = Field(default=4.0, ge=0)
    boot: float = Field(default=3.0, ge=0)
    shutdown: float = Field(default=2.0, ge=0)
    reboot: float = Field(default=3.0, ge=0)
    rebuild: float = Field(default=6.0, ge=0)
    resize: float = Field(default=6.0, ge=0)
    delete: float = Field(default=2.0, ge=0)


def _linode_limits() -> dict[str, RateLimit]:
    # Linode API v4.176 narrative: 800 general requests / 2 min, create 10 / 30 s,
    # image list 20 / min, stats 50 / min.
    return {
        "general": RateLimit(limit=800, window_seconds=120),
        "create": RateLimit(limit=10, window_seconds=30),
        "images": RateLimit(limit=20, window_seconds=60),
        "stats": RateLimit(limit=50, window_seconds=60),
    }


def _digitalocean_limits() -> dict[str, RateLimit]:
    # DigitalOcean: 250 / minute burst and 5000 / hour, both sliding, per token; listing
    # SSH keys has its own 10 / minute.
    return {
        "burst": RateLimit(limit=250, window_seconds=60),
        "hourly": RateLimit(limit=5000, window_seconds=3600),
        "ssh_keys": RateLimit(limit=10, window_seconds=60),
    }


class RateLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    linode: dict[str, RateLimit] = Field(default_factory=_linode_limits)
    digitalocean: dict[str, RateLimit] = Field(default_factory=_digitalocean_limits)


class SimulatorSettings(BaseModel):
    """Everything `/_control/config` can read and patch."""

    model_config = ConfigDict(extra="forbid")

    latency_ms: float = Field(default=0, ge=0)
    durations: Durations = Field(default_factory=Durations)
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    # Droplets one DigitalOcean account may hold (the real default for new accounts is 25);
    # raise it to run many servers at once, lower it to try the limit's refusal.
    digitalocean_droplet_limit: int = Field(default=25, ge=1)

    @classmethod
    def instant(cls) -> SimulatorSettings:
        """Every transition completes on the next read: the usual choice for tests."""
        zero = dict.fromkeys(Durations.model_fields, 0.0)
        return cls(durations=Durations(**zero))

    def patched(self, changes: dict[str, object]) -> SimulatorSettings:
        """A copy with `changes` deep-merged in, validated as a whole."""
        merged = _deep_merge(self.model_dump(), changes)
        return SimulatorSettings.model_validate(merged)


def _deep_merge(base: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    result = dict(base)
    for key, value in changes.items():
        current = result.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            result[key] = _deep_merge(current, value)
        else:
            result[key] = value
    return result
