"""Shared test configuration.

Hypothesis profiles, chosen by ``ASYMPTOTE_HYPOTHESIS_PROFILE`` (default ``dev``; CI sets
``ci``): ``dev`` (random, few examples), ``ci`` (derandomized, reproducible), ``deep``
(many examples, for a manual soak).
"""

from __future__ import annotations

import os

import mpmath
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("ASYMPTOTE_HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _global_mpmath_precision_unchanged():
    """No library call may change the global mpmath precision."""
    before = (mpmath.mp.prec, mpmath.mp.dps)
    yield
    after = (mpmath.mp.prec, mpmath.mp.dps)
    assert after == before, f"global mpmath precision changed from {before} to {after}"


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Skip ``very_slow`` tests unless ``ASYMPTOTE_VERY_SLOW=1`` (minutes each; outside CI)."""
    import os

    if os.environ.get("ASYMPTOTE_VERY_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="very slow: set ASYMPTOTE_VERY_SLOW=1 to run")
    for item in items:
        if "very_slow" in item.keywords:
            item.add_marker(skip)
