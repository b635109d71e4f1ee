"""The one conftest: shared fixtures live in ``tests/fixtures`` as plugins."""

pytest_plugins = ["tests.fixtures.infra", "tests.fixtures.exchange"]
