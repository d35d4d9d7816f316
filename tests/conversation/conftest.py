from tests.providers.conftest import make_provider  # noqa: F401 - providers built against the shared simulator
