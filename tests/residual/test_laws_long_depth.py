r"""Long-depth trajectories on the tabulated path (:mod:`asymptote.recurrences.tabulated`,
large-:math:`q` tail of :mod:`asymptote.recurrences.tables`) against the quadrature path at
checkpoint depths, and against the derived depth laws (:func:`asymptote.asymptotics.laws.leading_laws`).

Checkpoints. From the tabulated state at depth :math:`l` (``p, e, m``), both paths run
``K = 12`` more layers. Each layer adds at most the relative transform errors of both sides
to :math:`\log p` and :math:`1 - e` while the maps are at most neutral (slope :math:`\le 1`):
the table's measured bound (``Trajectory.table_error``, ~2e-15) plus the float64 quadrature's
(~1e-14, and for the gap its subtraction :math:`\epsilon(\mathcal{V} + |\mathcal{W}|)/(\mathcal{V}
- \mathcal{W}) \le 10^{-13}` where :math:`1 - e \ge 0.3`), so ``2 K 1e-13`` bounds the difference.

Laws. tanh RRN (:math:`\sigma_b = 0`): :math:`e^l \to 0` as :math:`l^{-(1 - 2/\pi)}` with
relative corrections :math:`l^{-\omega}`, :math:`\omega` from the law; the exponent is fitted
with those corrections on :math:`[10^3, 10^5]`, so it is off by the next, unfitted order
(:math:`\sim l^{-2\omega}` relative at :math:`10^3`, :math:`< 2\%` of the exponent here).
GELU FRN: :math:`1 - e \sim C l^{-2}` like ReLU with the law's :math:`C`; :math:`l^2(1 - e)`
is extrapolated in :math:`l^{-1/2}, l^{-1}` (the law's corrections) from depths
:math:`10^4..10^5` and must match :math:`C` to 1% (the next order, :math:`l^{-3/2}`, is below
that by a factor 10 at :math:`10^4`).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from asymptote import iterate
from asymptote.asymptotics.laws import leading_laws

pytestmark = pytest.mark.slow


def _restart_pair(arch: str, act: str, traj, index: int, sw: float, sb: float,
                  kw: dict[str, float], k: int = 12):
    p = float(np.exp(traj.log_p[index, 0]))
    e = float(traj.e[index, 0])
    m = float(traj.mean_ratio[index, 0]) * math.sqrt(p)
    args = dict(depth=k, p0=p, e0=e, m0=m, layers=[k], **kw)
    fast = iterate(arch, act, np.array([sw]), sb, **args)
    ref = iterate(arch, act, np.array([sw]), sb, compiled=False, **args)
    return fast, ref


@pytest.mark.parametrize(("arch", "act", "kw"), [
    ("rrn", "tanh", {}),
    ("frn", "tanh", {"sigma_v": 0.7, "sigma_a": 0.3}),
    ("frn", "gelu", {"sigma_v": 1.0, "sigma_a": 0.0}),
])
def test_checkpoints_match_quadrature_path(arch: str, act: str, kw: dict[str, float]) -> None:
    depth = 100_000
    checkpoints = [1000, 10_000, 100_000] if act == "tanh" else [40, 200, 500]
    traj = iterate(arch, act, np.array([1.0]), 0.0, depth=depth, e0=0.5, layers=checkpoints,
                   **kw)
    assert traj.table_error is not None and traj.table_error["tail_H"] < 1e-13
    for index, layer in enumerate(checkpoints):
        if math.exp(traj.log_q[index, 0]) > 1e11:  # past the float64 quadrature's range
            continue
        fast, ref = _restart_pair(arch, act, traj, index, 1.0, 0.0, kw)
        tol = 2 * 12 * 1e-13
        assert abs(fast.log_p[-1, 0] - ref.log_p[-1, 0]) <= tol * max(1, ref.log_p[-1, 0]), layer
        assert abs(fast.one_minus_e[-1, 0] / ref.one_minus_e[-1, 0] - 1) <= tol, layer


def test_tanh_rrn_correlation_exponent() -> None:
    law = leading_laws("rrn", "tanh", 1.0, 0.0)["e"]
    exponent = float(law.exponent)
    assert abs(exponent - (1 - 2 / math.pi)) < 1e-12
    layers = np.unique(np.geomspace(1000, 100_000, 60).astype(int))
    traj = iterate("rrn", "tanh", np.array([1.0]), 0.0, depth=100_000, e0=0.5, layers=layers)
    e = traj.e[:, 0]
    assert np.all(e > 0)
    ll = layers.astype(float)
    cols = [np.ones_like(ll), -np.log(ll)] + [ll ** -w for w in law.corrections]
    coef, *_ = np.linalg.lstsq(np.column_stack(cols), np.log(e), rcond=None)
    assert abs(coef[1] / exponent - 1) < 0.02, coef[1]


def test_gelu_frn_gap_coefficient_like_relu() -> None:
    kw = {"sigma_v": 1.0, "sigma_a": 0.0}
    law = leading_laws("frn", "gelu", 1.0, 0.0, **kw)["e"]
    assert law.law == "fixed_point_power" and float(law.exponent) == 2
    coefficient = float(law.coefficient.subs(law.numbers))
    layers = np.unique(np.geomspace(10_000, 100_000, 40).astype(int))
    traj = iterate("frn", "gelu", np.array([1.0]), 0.0, depth=100_000, e0=0.5, layers=layers,
                   **kw)
    ll = layers.astype(float)
    scaled = ll**2 * traj.one_minus_e[:, 0]
    cols = [np.ones_like(ll)] + [ll ** -w for w in law.corrections]
    coef, *_ = np.linalg.lstsq(np.column_stack(cols), scaled, rcond=None)
    assert abs(coef[0] / coefficient - 1) < 0.01, (coef[0], coefficient)
