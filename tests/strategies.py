"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

from hypothesis import strategies as st


def variances(lo_exp: float = -8.0, hi_exp: float = 8.0) -> st.SearchStrategy[float]:
    """Variances spread over magnitudes: 10**u, u uniform in [lo_exp, hi_exp]."""
    return st.floats(lo_exp, hi_exp).map(lambda u: float(10.0**u))


def correlations() -> st.SearchStrategy[float]:
    """Correlations in [-1, 1], with half the mass within 1e-12..1e-1 of +-1."""
    near = st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(-12.0, -1.0)).map(
        lambda t: t[0] * (1.0 - 10.0 ** t[1])
    )
    return st.one_of(st.floats(-1.0, 1.0), near, st.sampled_from([-1.0, 0.0, 1.0]))
