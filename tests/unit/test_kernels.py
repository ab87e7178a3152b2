"""NNGP / NTK Gram matrices: neural-tangents reference values, an independent mpmath
recursion, the exact diagonal, and Monte Carlo of finite random networks."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from asymptote.kernels import nngp_ntk
from asymptote.transforms import transform

X = [[1.0, 0.0], [0.6, 0.8]]

# neural-tangents 0.6.5 (float64), confirmed by an independent mpmath recursion (issue #2):
# sigma_w = 1.5, sigma_b = 0.1, depth 10.
NT_REFERENCE = {
    "relu": (
        3.865495045944117033,
        3.517615928876390246,
        41.70237436704803275,
        16.92462888517441356,
    ),
    "erf": (1.093178279388191909, 0.339285426205482955, 43.16121407229329998, 3.823251015739241296),
}


@pytest.mark.parametrize("name", sorted(NT_REFERENCE))
@pytest.mark.parametrize("dps", [None, 30])
def test_neural_tangents_reference_values(name, dps):
    nngp11, nngp12, ntk11, ntk12 = NT_REFERENCE[name]
    pair = nngp_ntk(name, "1.5", "0.1", X, depth=10, dps=dps)
    got = [pair.nngp[0, 0], pair.nngp[0, 1], pair.ntk[0, 0], pair.ntk[0, 1]]
    # the references are float64 results (~1e-16 relative); 4e-15 leaves room for both
    for g, ref in zip(got, (nngp11, nngp12, ntk11, ntk12), strict=True):
        assert float(g) == pytest.approx(ref, rel=4e-15)


def _single_input_recursion_mp(name, sw, sb, q0, depth, dps):
    """Independent diagonal recursion with the exact c = 1 maps, in mpmath."""
    with mpmath.workdps(dps):
        sw2, sb2 = mpmath.mpf(sw) ** 2, mpmath.mpf(sb) ** 2
        sigma, theta = mpmath.mpf(q0), mpmath.mpf(0)
        for _ in range(depth):
            k = sw2 * sigma + sb2
            t = k + sw2 * theta
            sigma = transform("V", name, k, dps=dps)
            theta = transform("Vd", name, k, dps=dps) * t
        k = sw2 * sigma + sb2
        return k, k + sw2 * theta


@pytest.mark.parametrize(
    "name,sw,sb", [("relu", 1.4, 0.2), ("erf", 1.6, 0.05), ("alpha_relu2", 0.9, 0.1)]
)
def test_diagonal_of_a_large_deep_batch_is_exact(name, sw, sb):
    """neural-tangents loses ~1e-7 on the ReLU diagonal at depth 100 with 1000 inputs
    (1 - c rounding, which feeds back through chi_1^L); our diagonal uses the exact maps."""
    params = {"alpha": 2} if name == "alpha_relu2" else {}
    act = "alpha_relu" if params else name
    depth = 100 if not params else 6
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300 if not params else 60, 8))
    pair = nngp_ntk(act, sw, sb, x, depth=depth, **params)
    assert np.all(np.isfinite(pair.nngp)) and np.all(np.isfinite(pair.ntk))
    from asymptote.activations import activation

    bound = activation(act, **params)
    for i in (0, 17, len(x) - 1):
        q0 = float(x[i] @ x[i]) / 8
        k, t = _single_input_recursion_mp(bound, sw, sb, q0, depth, 30)
        # float64 recursion: each layer's map q -> V(q) has relative condition number equal
        # to the homogeneity degree k (1 for relu, 2 for alpha = 2; <= 1 for erf), so a
        # per-layer rounding of a few eps grows to 4 eps * sum_l max(k, 1)^l
        k_deg = max(bound.homogeneity_degree or 1.0, 1.0)
        tol = 4 * 2.2e-16 * sum(k_deg**layer for layer in range(depth + 2))
        assert pair.nngp[i, i] == pytest.approx(float(k), rel=tol)
        assert pair.ntk[i, i] == pytest.approx(float(t), rel=tol)


@pytest.mark.parametrize("alpha", [2, 3])
def test_integer_rectified_monomials_are_finite_beyond_depth_two(alpha):
    """neural-tangents returns NaN here from depth 2 (0/0 on the diagonal)."""
    x = np.array([[1.0, 0.5], [0.3, -0.2], [1.0, 0.5]])
    pair = nngp_ntk("alpha_relu", 0.8, 0.1, x, depth=4, alpha=alpha)
    ref = nngp_ntk(
        "alpha_relu",
        "0.8",
        "0.1",
        [["1", "0.5"], ["0.3", "-0.2"], ["1", "0.5"]],
        depth=4,
        dps=25,
        alpha=alpha,
    )
    for i in range(3):
        for j in range(3):
            assert pair.nngp[i, j] == pytest.approx(float(ref.nngp[i, j]), rel=1e-12)
            assert pair.ntk[i, j] == pytest.approx(float(ref.ntk[i, j]), rel=1e-12)


def test_erf_deep_kernel_fast_path_tracks_mpmath():
    """erf errors grow like chi_1^L in a naive recursion; compare at depth 50."""
    x = [[1.0, 0.0], [0.6, 0.8], [-0.3, 0.2]]
    fast = nngp_ntk("erf", 2.0, 0.05, x, depth=50)
    slow = nngp_ntk("erf", 2.0, 0.05, [[str(v) for v in row] for row in x], depth=50, dps=30)
    for i in range(3):
        for j in range(3):
            assert fast.nngp[i, j] == pytest.approx(float(slow.nngp[i, j]), rel=1e-12)
            assert fast.ntk[i, j] == pytest.approx(float(slow.ntk[i, j]), rel=1e-11)


def test_cross_gram_matches_joint_gram():
    a = np.array([[1.0, 0.2, -0.3], [0.1, 0.9, 0.4]])
    b = np.array([[0.5, -0.5, 1.0]])
    joint = nngp_ntk("tanh", 1.2, 0.2, np.vstack([a, b]), depth=3)
    cross = nngp_ntk("tanh", 1.2, 0.2, a, b, depth=3)
    assert np.allclose(cross.nngp, joint.nngp[:2, 2:], rtol=1e-13)
    assert np.allclose(cross.ntk, joint.ntk[:2, 2:], rtol=1e-13)


def _monte_carlo_nngp(phi, sw, sb, x, depth, width, draws, rng):
    """Empirical (1/n) sum_i h_i(x) h_i(x') of the readout pre-activations, over draws."""
    samples = []
    n0 = x.shape[1]
    for _ in range(draws):
        h = x @ rng.normal(size=(n0, width)) * (sw / np.sqrt(n0)) + sb * rng.normal(size=width)
        for _ in range(depth):
            a = phi(h)
            h = a @ rng.normal(size=(width, width)) * (sw / np.sqrt(width)) + sb * rng.normal(
                size=width
            )
        samples.append(h @ h.T / width)
    samples = np.array(samples)
    return samples.mean(axis=0), samples.std(axis=0, ddof=1) / np.sqrt(draws)


@pytest.mark.parametrize("name,phi", [("relu", lambda h: np.maximum(h, 0)), ("erf", None)])
def test_monte_carlo_of_finite_networks_agrees_with_nngp(name, phi):
    """Width-2000 networks, 12 draws: agreement within 4 standard errors plus the finite-width
    bias, bounded by depth * |K| / width (each layer's empirical kernel is an average of
    `width` i.i.d. terms whose nonlinear map shifts the mean by O(Var) = O(1/width))."""
    import math

    if phi is None:
        phi = np.vectorize(math.erf)
    rng = np.random.default_rng(1234)
    x = np.array([[1.0, 0.0, 0.5], [0.6, 0.8, -0.2], [-1.0, 0.3, 0.1]])
    depth, width, draws = 3, 2000, 12
    mean, se = _monte_carlo_nngp(phi, 1.3, 0.2, x, depth, width, draws, rng)
    theory = nngp_ntk(name, 1.3, 0.2, x, depth=depth).nngp
    bias = (depth + 1) * np.abs(theory) / width
    assert np.all(np.abs(mean - theory) <= 4 * se + bias), (mean, theory, se)


def test_input_validation():
    with pytest.raises(ValueError, match="depth"):
        nngp_ntk("relu", 1.0, 0.0, X, depth=-1)
    with pytest.raises(ValueError, match="sigma_w"):
        nngp_ntk("relu", -1.0, 0.0, X, depth=1)
    with pytest.raises(ValueError, match="features"):
        nngp_ntk("relu", 1.0, 0.0, X, [[1.0, 2.0, 3.0]], depth=1)
    with pytest.raises(ValueError, match="x1"):
        nngp_ntk("relu", 1.0, 0.0, [[np.nan, 1.0]], depth=1)
