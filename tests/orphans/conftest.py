from tests.instances.support import fast_state, sim, simulator, simulator_defaults, worker

__all__ = ["fast_state", "sim", "simulator", "simulator_defaults", "worker"]
