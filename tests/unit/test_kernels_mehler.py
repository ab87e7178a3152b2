"""Float64 NNGP/NTK Gram matrices of smooth activations without closed forms by Mehler's
expansion (:mod:`asymptote.numeric.mehler_gram`), against independent references.

References. (1) mpmath: the 1-D transforms V, V' at 30 digits and the 2-D transforms W, W'
at 17-20 digits (:func:`asymptote.transforms.transform`), whole Gram matrices by the mpmath
recursion at 20 digits (slow); (2) the float64 quadrature path of :mod:`asymptote.kernels`
(2-D Gauss rules, no Hermite series), on random networks (Hypothesis).

Tolerances. Coefficient sums: the trapezoid rule converges geometrically and the sums carry
rounding of ~sqrt(nodes) ulps of the largest term: 4e-15 (measured <= 1.4e-15). Pair sums:
every term is bounded by sqrt(V1 V2) (Cauchy-Schwarz), so the error is judged against it;
measured <= 2e-15, held to 2e-14. Gram matrices after a few layers: errors of a few ulps per
layer, judged against sqrt(K_ii K_jj): 1e-13 (measured <= 2e-15 against 20-digit mpmath).
"""

from __future__ import annotations

import dataclasses
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asymptote.activations import activation
from asymptote.backend import backend
from asymptote.kernels import _gram, mehler_activation, nngp_ntk
from asymptote.numeric import mehler_gram as mg
from asymptote.transforms import transform
from tests.strategies import case_id, registry_cases

CASES = [c for c in registry_cases() if mehler_activation(activation(c[0], **c[1])) is not None]
IDS = [case_id(c) for c in CASES]


def test_the_route_serves_the_smooth_activations_without_closed_forms():
    names = {name for name, _ in CASES}
    assert {"tanh", "gelu", "silu", "softplus", "sigmoid"} <= names
    for name in ("relu", "erf", "sin", "hard_tanh", "step"):
        assert mehler_activation(activation(name)) is None


def _inputs():
    """A random vector, a copy scaled by 1.5 (c = 1, unequal norms), a perturbed copy
    (c near 1), a reversed copy scaled by 0.7 (c = -1) and two unrelated vectors."""
    rng = np.random.default_rng(11)
    x0 = rng.normal(size=5)
    return np.array([x0, 1.5 * x0, x0 + 1e-3 * rng.normal(size=5), -0.7 * x0,
                     rng.normal(size=5), 0.3 * rng.normal(size=5)])


def _scaled_error(value, ref):
    """Largest |value - ref| over sqrt(ref_ii ref_jj) (the Cauchy-Schwarz size)."""
    d = np.sqrt(np.abs(np.diag(ref)))
    return float(np.max(np.abs(value - ref) / np.outer(d, d)))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_coefficient_sums_match_30_digit_transforms(case):
    act = activation(case[0], **case[1])
    smooth = mehler_activation(act)
    qs = np.array([1e-3, 0.37, 2.0, 9.0])
    coef = mg.hermite_coefficients(smooth.phi, smooth.dphi, smooth.distance, qs)
    assert coef is not None
    first, stride = mg._parity_terms(smooth)
    orders = np.arange(coef.shape[1])[first::stride]
    kept = coef[:, first::stride]
    for q, row in zip(qs, kept, strict=True):
        v = transform("V", act, float(q), dps=30)
        vd = transform("Vd", act, float(q), dps=30)
        assert abs(float(np.sum(row * row) / v) - 1) < 4e-15
        assert abs(float(np.sum(orders * row * row) / q / vd) - 1) < 4e-15


def _pair(act, q1, q2, lam):
    """W, W' of one pair through the compiled Horner loop."""
    qs = np.array([q1, q2])
    smooth = mehler_activation(act)
    coef = mg.hermite_coefficients(smooth.phi, smooth.dphi, smooth.distance, qs)
    first, stride = mg._parity_terms(smooth)
    per_input = np.ascontiguousarray(coef[:, first::stride].T)
    lam_m = np.array([[0.0, lam], [0.0, 0.0]])
    gamma, theta = np.zeros((2, 2)), np.zeros((2, 2))
    mg._pair_layer(per_input, qs, first, stride, 0, True, lam_m, np.ones((2, 2)), gamma, theta)
    return gamma[0, 1], theta[0, 1]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("c", [-1.0, -0.99, -0.3, 0.0, 0.6, 0.99, 1.0])
def test_pair_transforms_match_mpmath_quadrature(case, c):
    """W, W' of unequal variances against mpmath: 20 digits (the nested-trapezoid Mehler
    rule with its own error estimate) for |c| < 1, 17 digits at c = +-1 (a 1-D integral;
    20 digits there take ~30 s for GELU, 17 digits 0.1 s: either is far below 2e-14)."""
    act = activation(case[0], **case[1])
    q1, q2 = 0.8, 3.1
    lam = c * math.sqrt(q1 * q2)
    w, wd = _pair(act, q1, q2, lam)
    size = math.sqrt(transform("V", act, q1) * transform("V", act, q2))
    size_d = math.sqrt(transform("Vd", act, q1) * transform("Vd", act, q2))
    dps = 17 if abs(c) == 1 else 20
    with mpmath.workdps(30):
        lam_mp = mpmath.mpf(c) * mpmath.sqrt(mpmath.mpf(q1) * mpmath.mpf(q2))
        w_ref = transform("W", act, q1, q2, lam_mp, dps=dps)
        wd_ref = transform("Wd", act, q1, q2, lam_mp, dps=dps)
    assert abs(w - float(w_ref)) < 2e-14 * size
    assert abs(wd - float(wd_ref)) < 2e-14 * size_d


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gram_matrices_match_the_quadrature_path(case):
    """Symmetric and cross Gram matrices through ``nngp_ntk`` (the Mehler route) against the
    float64 2-D quadrature path of the same recursion."""
    act = activation(case[0], **case[1])
    x = _inputs()
    b = backend(None)
    ref = _gram(b, act, 1.3, 0.2, x, None, 3)
    out = nngp_ntk(act, 1.3, 0.2, x, depth=3)
    assert _scaled_error(out.nngp, ref[0]) < 1e-13
    assert _scaled_error(out.ntk, ref[1]) < 1e-13
    cross = nngp_ntk(act, 1.3, 0.2, x[:2], x[2:], depth=3)
    np.testing.assert_allclose(cross.nngp, out.nngp[:2, 2:], rtol=0, atol=1e-14 * ref[0].max())
    np.testing.assert_allclose(cross.ntk, out.ntk[:2, 2:], rtol=0, atol=1e-14 * ref[1].max())


@settings(max_examples=12, deadline=None)
@given(
    index=st.integers(0, len(CASES) - 1),
    sigma_w=st.floats(0.3, 1.6),  # variances stay within the served range (q < ~30)
    sigma_b=st.floats(0.0, 1.0),
    depth=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_random_networks_agree_with_the_quadrature_path(index, sigma_w, sigma_b, depth, seed):
    act = activation(CASES[index][0], **CASES[index][1])
    x = np.random.default_rng(seed).normal(size=(3, 4))
    ref = _gram(backend(None), act, sigma_w, sigma_b, x, None, depth)
    out = mg.mehler_gram(mehler_activation(act), (sigma_w**2, sigma_b**2, sigma_w**2), x, None,
                         depth)
    assert out is not None
    assert out.coefficient_error < 4e-15
    assert _scaled_error(out.nngp, ref[0]) < 1e-13
    assert _scaled_error(out.ntk, ref[1]) < 1e-13


@pytest.mark.slow
@pytest.mark.parametrize(("name", "rows"), [("tanh", [0, 2, 4, 5]), ("gelu", [0, 4, 5])])
def test_gram_matrices_match_the_20_digit_recursion(name, rows):
    """Rows without exact c = +-1 pairs, and for GELU without the near-parallel one (its
    20-digit product rule near |c| = 1 takes ~30 s a pair; the pair test and the
    quadrature-path test above cover c near and at +-1)."""
    x = _inputs()[rows]
    out = nngp_ntk(name, 1.5, 0.1, x, depth=3)
    ref = nngp_ntk(name, 1.5, 0.1, x, depth=3, dps=20)
    ref_k = np.array(ref.nngp.tolist(), dtype=float)
    ref_t = np.array(ref.ntk.tolist(), dtype=float)
    assert _scaled_error(out.nngp, ref_k) < 1e-13
    assert _scaled_error(out.ntk, ref_t) < 1e-13


@pytest.mark.parametrize("scales", [(1.0, 1.0, 1.0), (1.0, 9.0, 1.0), (9.0, 9.0, 9.0)])
def test_variances_beyond_the_served_range_take_the_quadratures(scales):
    """tanh at sigma_w = 1.5: rows scaled by 9 have q ~ 40-170 in the first layer, beyond the
    expansion's range (q <= 29); their pairs take the 2-D quadratures in that layer and the
    expansion afterwards (q* ~ 1.6), the other pairs the expansion throughout. Symmetric
    and cross matrices agree with the quadrature path; none, some or all rows unserved."""
    act = activation("tanh")
    x = _inputs()[:3] * np.array(scales)[:, None]
    assert not mehler_activation(act).served(np.array([1.5**2 * 81 * 0.5])).any()
    ref = _gram(backend(None), act, 1.5, 0.1, x, None, 3)
    out = mg.mehler_gram(mehler_activation(act), (2.25, 0.01, 2.25), x, None, 3)
    assert out is not None
    assert _scaled_error(out.nngp, ref[0]) < 1e-13
    assert _scaled_error(out.ntk, ref[1]) < 1e-13
    cross = mg.mehler_gram(mehler_activation(act), (2.25, 0.01, 2.25), x[:1], x[1:], 3)
    assert cross is not None
    np.testing.assert_allclose(cross.nngp, ref[0][:1, 1:], rtol=1e-13)
    np.testing.assert_allclose(cross.ntk, ref[1][:1, 1:], rtol=1e-13)


def test_a_coefficient_check_failure_is_refused():
    """The per-layer comparison with the 1-D quadratures can fail: a 1e-11 disagreement
    makes the route decline instead of returning unchecked matrices."""
    smooth = mehler_activation(activation("tanh"))
    assert mg.mehler_gram(smooth, (1.5, 0.1, 1.5), _inputs(), None, 2) is not None

    def off(qs):
        v, vd = smooth.reference(qs)
        return v * (1 + 1e-11), vd

    bad = dataclasses.replace(smooth, reference=off)
    assert mg.mehler_gram(bad, (1.5, 0.1, 1.5), _inputs(), None, 2) is None


def test_overflow_is_an_error_not_an_inf(monkeypatch):
    """An NTK that leaves float64 (here an artificial tangent scale C = 1e300: Theta ~ C^L)
    comes back as infinite matrices without a numpy warning, and nngp_ntk turns them into
    a ValueError naming the depth, as on the closed-form path."""
    import warnings

    import asymptote.kernels as kernels

    smooth = mehler_activation(activation("tanh"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = mg.mehler_gram(smooth, (2.25, 0.01, 1e300), _inputs(), None, 4)
    assert out is not None and not np.all(np.isfinite(out.ntk))
    monkeypatch.setattr(kernels, "_mehler", lambda *args: (out.nngp, out.ntk))
    with pytest.raises(ValueError, match="overflows float64 at depth 4"):
        nngp_ntk("tanh", 1.5, 0.1, _inputs(), depth=4)
