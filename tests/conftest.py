"""Shared test settings: the Hypothesis profiles, a LaTeX verdict cache outside $HOME, and ``--regenerate-golden``."""

from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev"))
# Formulas are typeset once per machine (dsl.latex); a shared folder under the temp dir keeps reruns fast
# without writing to the user's home.
os.environ.setdefault("DSL2MANIM_CACHE", os.path.join(tempfile.gettempdir(), "dsl2manim-test-cache"))


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
