from tests.providers.conftest import make_provider, fresh_sim, sim  # noqa: F401 - the simulator and its providers
