"""The engine tests' scenario fixture, for the capacity check's tests."""

from tests.engine.conftest import make_scenario  # noqa: F401  (a fixture)
