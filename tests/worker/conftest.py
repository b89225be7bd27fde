from tests.instances.support import fast_state, sim, simulator, worker

__all__ = ["fast_state", "sim", "simulator", "worker"]
