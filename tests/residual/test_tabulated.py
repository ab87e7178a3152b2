r"""Tabulated transforms (:mod:`asymptote.recurrences.tables`) and the compiled loop that uses
them (:mod:`asymptote.recurrences.tabulated`), over every smooth non-homogeneous registered
activation.

Tolerances. The table's own errors are measured at build (``interpolation_error``, halfway
between nodes, against the Mehler series and the 1-D quadratures; ``mehler_error``, the series
against the 1-D quadratures) and must stay below ``1e-12`` (H) and ``1e-14`` (V, Vd). Against
mpmath (30 digits) off the grid, H must agree to ``1e-12``. Along a trajectory, a relative error
:math:`\epsilon_H` of the gap changes :math:`1 - e` by at most :math:`\epsilon_H` relative per
layer while the correlation map is at most neutral (slope :math:`\le 1`), so after :math:`L`
layers by :math:`\le L\epsilon_H`; likewise :math:`\log p` by :math:`\le L\epsilon_V`. The
reference (the quadrature path, ``compiled=False``) carries its own ~1e-14 per layer, so the
bounds used are :math:`2L\max(\epsilon, 10^{-14})` plus rounding -- and, for :math:`1 - e`, the
reference's own loss at small gaps: it forms :math:`\lambda = q(1 - \delta)` (and, for
:math:`\delta \ge 10^{-4}`, :math:`\mathcal{V}\phi - \mathcal{W}\phi` by subtraction), so its
gap has a relative error of order :math:`\epsilon_{\rm mach}(1 + 2\mathcal{V}\phi/
(\mathcal{V}\phi - \mathcal{W}\phi))` per layer, :math:`\mathcal{V}\phi - \mathcal{W}\phi
\approx q\delta\mathcal{V}\phi'(q)` (measured: tanh, :math:`e^0 = 0.999`, 60 layers,
:math:`1 - e` drifts by ``0.15`` relative where it reaches ``4e-16``). The comparison adds
:math:`\sum_{k \le l} 4\epsilon_{\rm mach}(1 + 2\mathcal{V}\phi/(q\mathcal{V}\phi'))/
\delta_k` and is made only where that is below ``1e-3``; below, the table is checked against an
independent law instead (:func:`test_deep_ordered_gap_ratio_is_chi1`).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from asymptote import activation, iterate
from asymptote.activations import list_activations
from asymptote.recurrences.catalog import ARCHITECTURES
from asymptote.recurrences.tables import Q_MAX, Q_MIN, supports_table, transform_table
from asymptote.transforms import transform


def _smooth_cases() -> list[str]:
    out = []
    for name in list_activations():
        try:
            act = activation(name)
        except (TypeError, ValueError):
            continue
        if supports_table(act):
            out.append(name)
    return out


SMOOTH = _smooth_cases()


def test_registry_has_tabulated_activations() -> None:
    assert {"tanh", "gelu", "silu"} <= set(SMOOTH)


@pytest.mark.slow
@pytest.mark.parametrize("name", SMOOTH)
def test_table_measured_errors(name: str) -> None:
    table = transform_table(activation(name))
    err = table.interpolation_error
    assert err["H"] <= 1e-12 and err["V"] <= 1e-14 and err["Vd"] <= 1e-14 and err["M"] <= 1e-14
    assert table.mehler_error <= 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("name", SMOOTH)
def test_normalized_gap_against_mpmath(name: str) -> None:
    """H = (V - W)/(q delta) at 30 digits, off the grid; delta = 1e-5 leaves 25 digits."""
    act = activation(name)
    table = transform_table(act)
    for q_s, theta_s in (("0.7", "0.3"), ("13.3", "0.0044721")):
        q, theta = float(q_s), float(theta_s)
        with mpmath.workdps(30):
            qm, tm = mpmath.mpf(q_s), mpmath.mpf(theta_s)
            delta = 2 * mpmath.sin(tm / 2) ** 2
            v = transform("V", act, qm, dps=30)
            w = transform("W", act, qm, qm, qm * (1 - delta), dps=30)
            exact = float((v - w) / (qm * delta))
        assert abs(table.normalized_gap(q, theta) / exact - 1) <= 1e-12


def _sigmas(arch: str) -> dict[str, float]:
    return {"sigma_v": 0.6, "sigma_a": 0.2} if arch == "frn" else {}


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("name", SMOOTH)
def test_tabulated_trajectory_matches_quadrature_path(arch: str, name: str) -> None:
    act = activation(name)
    table = transform_table(act)
    e0 = np.array([-0.7, 0.3, 0.999])
    depth = 60
    try:
        ref = iterate(arch, act, 0.9, 0.3, depth=depth, e0=e0, m0=0.1, compiled=False,
                      **_sigmas(arch))
    except OverflowError:  # q passes the quadrature range, far outside the table: the
        with pytest.raises(OverflowError):  # tabulated loop hands back to quadrature
            iterate(arch, act, 0.9, 0.3, depth=depth, e0=e0, m0=0.1, **_sigmas(arch))
        return
    fast = iterate(arch, act, 0.9, 0.3, depth=depth, e0=e0, m0=0.1, **_sigmas(arch))
    q_range = np.exp(ref.log_q)
    if np.any((q_range < Q_MIN) | (q_range > Q_MAX)):  # leaves the table: handed back
        np.testing.assert_array_equal(fast.log_p, ref.log_p)
        np.testing.assert_array_equal(fast.one_minus_e, ref.one_minus_e)
        return
    err = table.interpolation_error
    tol_p = 2 * depth * max(err["V"], err["M"], 1e-14) + 1e-13
    layer = np.arange(1, depth + 1)[:, None]
    # delta_k = sigma_w^2 u^{k-1} p^{k-1} / q^k at layer k (u^0 = 1 - e0, p^0 = 1)
    u_prev = np.vstack([1.0 - e0[None, :], ref.one_minus_e[:-1]])
    p_prev = np.exp(np.vstack([np.zeros((1, e0.size)), ref.log_p[:-1]]))
    q_k = np.exp(ref.log_q)
    delta = 0.9**2 * u_prev * p_prev / q_k
    # V / (q Vd) ~ V / (V - W) * delta: the subtraction's amplification (tables suffice here)
    v_k, vd_k = np.vectorize(lambda x: table.one_d(float(x))[:2])(q_k)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_loss = np.cumsum(4 * np.finfo(float).eps * (1 + 2 * v_k / (q_k * vd_k)) / delta,
                             axis=0)
        rel_u = np.abs(fast.one_minus_e / ref.one_minus_e - 1)
    tol_u = 2 * layer * max(err["H"], 1e-14) + 1e-13 + ref_loss
    trusted = ref_loss < 1e-3
    assert trusted[:5].all()  # the comparison covers at least the first layers
    np.testing.assert_allclose(fast.log_p, ref.log_p, rtol=0, atol=tol_p)
    assert np.all(rel_u[trusted] <= tol_u[trusted]), float(np.max((rel_u / tol_u)[trusted]))
    np.testing.assert_allclose(fast.log_chi, ref.log_chi, rtol=0,
                               atol=2 * depth * max(err["Vd"], 1e-14) + 1e-13)
    np.testing.assert_allclose(fast.mean_ratio, ref.mean_ratio, rtol=0, atol=tol_p)


@pytest.mark.slow
@pytest.mark.parametrize("name", SMOOTH)
def test_deep_ordered_gap_ratio_is_chi1(name: str) -> None:
    r"""Small gaps against an independent law. Feedforward [PLRSG16, SGGS17, Sec. 3]: :math:`q^l =
    \sigma_w^2 p^{l-1} + \sigma_b^2`, :math:`p^l = \mathcal{V}\phi(q^l)` and :math:`u^l = 1 - e^l =
    q^l\delta_l H(q^l, \theta_l)/p^l` with :math:`\delta_l = \sigma_w^2 u^{l-1}p^{l-1}/q^l`, so

    .. math:: u^l/u^{l-1} = \sigma_w^2\, p^{l-1} H(q^l, \theta_l)/p^l
              = \sigma_w^2\, p^{l-1}\mathcal{V}\phi'(q^l)/p^l\,(1 + O(u)),

    the ordered-phase contraction :math:`\chi_1` as :math:`q^l \to q^*`. Checked where
    :math:`1 - e \in (10^{-290}, 10^{-10})`, gaps far below what the quadrature path resolves;
    :math:`\mathcal{V}\phi'` is the float64 1-D quadrature (``~1e-15``); the tolerance is the
    table's measured errors, ``1e-13`` for rounding of the recorded ratios, and ``10 u`` for the
    :math:`O(u)` term (:math:`H - \mathcal{V}\phi' = O(\delta)`, :math:`\delta < u`)."""
    act = activation(name)
    table = transform_table(act)
    sw = 0.9
    t = iterate("feedforward", act, sw, 0.3, depth=120, layers=np.arange(1, 121), e0=0.999)
    u, p, q = t.one_minus_e, np.exp(t.log_p), np.exp(t.log_q)
    window = np.flatnonzero((u[:-1] < 1e-10) & (u[1:] > 1e-290))  # index l-1 of layer l
    assert window.size >= 10
    nxt = window + 1
    expected = sw**2 * p[window] * np.asarray(transform("Vd", act, q[nxt]), dtype=float) / p[nxt]
    assert np.all(expected < 1)  # ordered phase
    err = table.interpolation_error
    tol = 2 * max(err["H"], err["V"]) + 1e-13 + 10 * u[window]
    rel = np.abs(u[nxt] / u[window] / expected - 1)
    assert np.all(rel <= tol), float(np.max(rel / tol))


@pytest.mark.slow
def test_leaving_the_table_falls_back_to_quadrature() -> None:
    """tanh RRN: q ~ l passes Q_MAX; the result must equal the quadrature path's."""
    depth = int(2 * Q_MAX / 0.9**2) if Q_MAX < 100 else 200
    depth = min(depth, 200)
    a = iterate("rrn", "tanh", 3.0, 0.0, depth=depth, layers=[depth], e0=0.5)
    assert math.exp(a.log_q[-1]) > Q_MAX
    b = iterate("rrn", "tanh", 3.0, 0.0, depth=depth, layers=[depth], e0=0.5, compiled=False)
    np.testing.assert_array_equal(a.log_p, b.log_p)
