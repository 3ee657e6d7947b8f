"""Shared test settings: a deterministic Hypothesis profile under CI (``CI=true``), and ``--regenerate-golden``."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--regenerate-golden``."""
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        default=False,
        help="rewrite tests/codegen/golden/*.npz from the current renderer instead of comparing against them",
    )


@pytest.fixture
def regenerate_golden(request: pytest.FixtureRequest) -> bool:
    """Whether ``--regenerate-golden`` was given."""
    return bool(request.config.getoption("--regenerate-golden"))
