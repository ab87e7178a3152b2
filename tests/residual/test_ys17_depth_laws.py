"""Depth laws of [YS17] behind the issue-13 claims, against references written out here.

* tanh full resnet: the library's e*, delta* (Sec. 5.1) depend on sigma_a/sigma_v alone and
  solve the paper's equation (independent root, 25 digits);
* ReLU full resnet: the fast iteration's log p follows the exact solution of the linear
  recurrence p^l = B p^{l-1} + c (the overflow claim's two routes) to 1e-12;
* ReLU reduced resnet: with the mean term the cosine distance converges geometrically, so the
  l^-2 constant exists only for the full resnet (``relu_cosine_distance_constant`` requires
  ``sigma_v``).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from asymptote.alpha_relu import relu_cosine_distance_constant
from asymptote.asymptotics import leading_laws
from asymptote.recurrences.iterate import iterate


def _paper_gap(rho: mpmath.mpf) -> mpmath.mpf:
    """1 - e* from (1 + rho^2) e = (2/pi) arcsin e + rho^2, by mpmath's findroot in e."""
    r2 = rho * rho

    def f(e: mpmath.mpf) -> mpmath.mpf:
        return (2 / mpmath.pi * mpmath.asin(e) + r2) / (1 + r2) - e

    # f(0) > 0, f(1 - small) < 0 for these rho (the root is below 1 - 1e-3)
    return 1 - mpmath.findroot(f, (mpmath.mpf(0), 1 - mpmath.mpf(10) ** -3), solver="anderson")


@pytest.mark.parametrize("rho", ["0.1", "0.5", "2"])
def test_tanh_frn_fixed_point_is_a_function_of_the_ratio(rho: str) -> None:
    with mpmath.workdps(40):
        r = mpmath.mpf(rho)
        gap = _paper_gap(r)
        delta = 1 - 2 / mpmath.pi / ((1 + r * r) * mpmath.sqrt(gap * (2 - gap)))
    for sigma_v in ("1", "3"):
        sigma_a = str(mpmath.mpf(sigma_v) * mpmath.mpf(rho))
        law = leading_laws("frn", "tanh", "0.7", "0.4", sigma_v=sigma_v, sigma_a=sigma_a,
                           dps=30)["e"]
        e_star, rate = law.value(law.limit, dps=30), law.value(dps=30)
        assert e_star is not None and rate is not None
        with mpmath.workdps(30):
            assert abs(1 - e_star - gap) < mpmath.mpf(10) ** -25
            assert abs(rate - delta) < mpmath.mpf(10) ** -25


def test_relu_frn_log_p_follows_the_exact_linear_solution() -> None:
    # variances of YS17 Fig. A.1; p^l + c/(B-1) = B^l (p^0 + c/(B-1)) exactly
    v2, a2, w2, b2 = 1.5, 0.5, 1.69, 0.49
    traj = iterate("frn", "relu", math.sqrt(w2), math.sqrt(b2), sigma_v=math.sqrt(v2),
                   sigma_a=math.sqrt(a2), depth=200, p0=1.0, e0=0.5, layers=np.arange(1, 201))
    B = 1 + v2 * w2 / 2
    shift = (v2 * b2 / 2 + a2) / (B - 1)
    layers = traj.layers.astype(float)
    exact = layers * math.log(B) + math.log(1 + shift) + np.log1p(
        -shift / ((1 + shift) * B**layers))
    assert np.max(np.abs(np.asarray(traj.log_p).reshape(-1) - exact)) < 1e-12 * exact.max()


def test_relu_rrn_cosine_is_geometric_not_inverse_square() -> None:
    rrn = leading_laws("rrn", "relu", "1", "0")["e"]
    frn = leading_laws("frn", "relu", "1", "0", sigma_v="1", sigma_a="0")["e"]
    assert rrn.law == "fixed_point_exponential" and frn.law == "fixed_point_power"
    assert frn.value() == 2
    with pytest.raises(TypeError, match="sigma_v"):
        relu_cosine_distance_constant(1.0)  # type: ignore[call-overload]
