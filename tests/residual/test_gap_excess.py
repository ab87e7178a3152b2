r"""Float64 deep regime of positively homogeneous activations: the gap table's excess form.

Issue 13: the ReLU full resnet with :math:`\sigma_b = 0` has :math:`u^{l} = u - aX(u)/(1+a)`,
:math:`X = J'(1)\delta - G \sim A\delta^{3/2}` [YS17, Sec. 5.2]; an error :math:`\epsilon` relative
to :math:`G` accumulates to :math:`\epsilon\,l` in :math:`1 - e^l`, an error relative to
:math:`X` only to :math:`O(\epsilon)`. What remains is the float64 rounding of the state,
:math:`\le 1.1\cdot10^{-16}` relative per layer; relative perturbations of :math:`u` decay like
:math:`k/l` from layer :math:`k` (the map's slope is :math:`1 - \tfrac32 aA u^{1/2}/(1+a)` and
:math:`u \propto l^{-2}`), so even fully correlated roundings add up to at most
:math:`\sum_k 1.1\cdot10^{-16}\,k/l \approx 0.6\cdot10^{-16}\,l` -- ``1e-12`` at :math:`l = 2^{14}`
(9e-13 bound) and ``2e-11`` at :math:`2^{18}` (1.5e-11 bound). The plain table (error
``2e-13`` relative to :math:`G`) drifts by ~``4e-9`` at :math:`2^{14}`, far outside.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from asymptote import activation, iterate
from asymptote.recurrences.gap_tables import gap_table
from asymptote.transforms import transform


def _homogeneous_cases() -> list[str]:
    from asymptote.activations import list_activations

    out = []
    for name in list_activations():
        try:
            act = activation(name)
        except (TypeError, ValueError):
            continue
        if act.homogeneity_degree_exact is not None:
            out.append(name)
    return out


@pytest.mark.parametrize("name", _homogeneous_cases())
@pytest.mark.parametrize("delta", ["1e-3", "3.7e-9", "2.2e-20", "0.61"])
def test_gap_table_against_mpmath(name: str, delta: str) -> None:
    """G from the table against 1 - W/V at enough digits (off the Chebyshev nodes); in excess
    form the excess J'(1) delta - G itself to 1e-12 relative."""
    act = activation(name)
    table = gap_table(act)
    d = float(delta)
    digits = 40 + 2 * int(-math.log10(d))
    with mpmath.workdps(digits):
        dm = mpmath.mpf(delta)
        v = transform("V", act, 1, dps=digits)
        g = 1 - transform("W", act, 1, 1, 1 - dm, dps=digits) / v
        got = float(table(np.array([d]))[0])
        assert abs(got - float(g)) <= 2e-13 * float(g) + 4e-16 * d  # table bound + ulp
        if table.excess_slope > 0:
            slope = transform("Vd", act, 1, dps=digits) / v
            excess = slope * dm - g
            got_excess = table.excess_slope * d - got  # what the iteration's step sees
            # table: 2e-13 relative to X; rounding of J'(1) delta: an ulp of delta
            tol = 2e-13 * float(excess) + 4e-16 * d
            assert abs(got_excess - float(excess)) <= tol


@pytest.mark.slow
def test_relu_frn_deep_one_minus_e_against_mpmath() -> None:
    """ReLU FRN, sigma_b = 0: 1 - e at l = 2^14 to 1e-12 relative (module docstring)."""
    depth = 2**14
    ref = iterate("frn", "relu", "1", "0", sigma_v="1", sigma_a="0", depth=depth, e0="0.5",
                  dps=20)
    for compiled in (True, False):
        fast = iterate("frn", "relu", 1.0, 0.0, sigma_v=1.0, sigma_a=0.0, depth=depth, e0=0.5,
                       layers=[256, 4096, depth], compiled=compiled)
        for row, layer in enumerate((256, 4096, depth)):
            exact = float(1 - ref["e"][layer - 1])
            assert abs(fast.one_minus_e[row] / exact - 1) <= 1e-12, (compiled, layer)


@pytest.mark.very_slow
def test_relu_frn_2_18_against_mpmath() -> None:
    """The issue's case, l = 2^18 (drifted by 6e-8): 2e-11 relative (module docstring)."""
    depth = 2**18
    ref = iterate("frn", "relu", "1", "0", sigma_v="1", sigma_a="0", depth=depth, e0="0.5",
                  dps=20)
    fast = iterate("frn", "relu", 1.0, 0.0, sigma_v=1.0, sigma_a=0.0, depth=depth, e0=0.5,
                   layers=[depth])
    assert abs(fast.one_minus_e[0] / float(1 - ref["e"][-1]) - 1) <= 2e-11
