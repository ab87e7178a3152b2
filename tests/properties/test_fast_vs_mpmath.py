"""The float64 fast path against the mpmath path, over magnitudes and correlations.

Tolerance (DESIGN.md): 1e-12 relative, plus the conditioning of the transform with respect
to its float inputs, 8 eps (|q1 dF/dq1| + |q2 dF/dq2| + |q12 dF/dq12|): both paths see the
same float inputs, but the fast path rounds intermediate quantities such as the correlation
q12/sqrt(q1 q2), and where F is ill-conditioned (W of ReLU near c = -1, where it vanishes
like (1 + c)^(3/2)) no float64 algorithm can do better than that bound.
"""

from __future__ import annotations

import math
import sys

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asymptote.activations import activation
from asymptote.transforms import transform
from tests.strategies import correlations, variances

EPS = sys.float_info.epsilon
CLOSED = [
    ("relu", {}),
    ("abs", {}),
    ("leaky_relu", {"b": 0.1}),
    ("alpha_relu", {"alpha": 0.4}),
    ("alpha_relu", {"alpha": 1.5}),
    ("alpha_relu", {"alpha": 3.0}),
    ("erf", {}),
    ("sin", {}),
]
QUADRATURE = ["tanh", "sigmoid", "softplus", "silu", "gelu", "hard_tanh"]


def _ids(case):
    return case[0] + "".join(f"-{v}" for v in case[1].values())


def _partial_magnitudes(act, key, args):
    """|x_i dF/dx_i| summed over the inputs, by one-sided differences at 45 digits with a
    step of 1e-22 relative: below the distance of the float inputs from any singularity
    (|c| = 1 - 1e-16 is as close as a float correlation gets), so the local slope."""
    total = mpmath.mpf(0)
    with mpmath.workdps(45):
        base = transform(key, act, *args, dps=45)
        for i, x in enumerate(args):
            if x == 0:
                continue
            h = mpmath.mpf(x) * mpmath.mpf("1e-22")
            if key in ("W", "Wd") and i == 2:
                h = -h  # move |q12| inward, staying a covariance
            moved = list(args)
            moved[i] = mpmath.mpf(x) + h
            try:
                slope = (transform(key, act, *moved, dps=45) - base) / h
            except ValueError:
                return mpmath.inf
            total += abs(mpmath.mpf(x) * slope)
    return total


def _assert_close(act, key, args):
    fast = transform(key, act, *args)
    ref = transform(key, act, *args, dps=30)
    # + the smallest normal float: values below it (sin's dV = exp(-2q) at q = 1000) underflow
    bound = mpmath.mpf("1e-12") * abs(ref) + sys.float_info.min
    error = abs(mpmath.mpf(fast) - ref)
    if error <= bound:
        return
    cond = _partial_magnitudes(act, key, args)  # only needed beyond the plain bound
    assert error <= bound + 8 * EPS * cond, (act, key, args, fast, ref, cond)


@pytest.mark.parametrize("case", CLOSED, ids=_ids)
@pytest.mark.parametrize("key", ["V", "Vd", "dV"])
@given(q=variances())
def test_one_d_closed_forms(case, key, q):
    act = activation(case[0], **case[1])
    if act.undefined_reason(key):
        return
    _assert_close(act, key, (q,))


@pytest.mark.parametrize("case", CLOSED, ids=_ids)
@pytest.mark.parametrize("key", ["W", "Wd"])
@given(q1=variances(-6, 6), ratio=st.floats(-2.0, 2.0), c=correlations())
def test_two_d_closed_forms(case, key, q1, ratio, c):
    act = activation(case[0], **case[1])
    if act.undefined_reason(key):
        return
    q2 = q1 * 10.0**ratio
    q12 = c * math.sqrt(q1 * q2)
    if key == "Wd" and abs(c) == 1.0 and act.float_params.get("alpha", 1.0) <= 0.5:
        return  # the derivative kernel diverges at |c| = 1 for alpha <= 1/2
    with mpmath.workdps(40):  # a genuine covariance (not clipped), so partials are local
        while abs(mpmath.mpf(q12)) > mpmath.sqrt(mpmath.mpf(q1) * mpmath.mpf(q2)):
            q12 = math.nextafter(q12, 0.0)
    _assert_close(act, key, (q1, q2, q12))


@pytest.mark.parametrize("name", QUADRATURE)
@pytest.mark.parametrize("key", ["V", "Vd", "dV"])
@settings(max_examples=6)
@given(q=variances())
def test_one_d_quadrature_activations(name, key, q):
    _assert_close(activation(name), key, (q,))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tanh", "gelu"])
@pytest.mark.parametrize(
    "point", [(4.0, 4.0, 3.0), (0.5, 2.0, -0.9), (1e3, 1e3, 1e3 * (1 - 1e-9)), (2.0, 3.0, 0.0)]
)
def test_two_d_quadrature_activations(name, point):
    act = activation(name)
    fast = transform("W", act, *point)
    with mpmath.workdps(20):
        ref = transform("W", act, *point, dps=18)
        # 2-D mpmath quadrature at 18 digits; conditioning here is O(1), so 1e-12 relative
        # of the Cauchy-Schwarz size sqrt(V(q1) V(q2)) (W itself vanishes at q12 = 0 for odd phi)
        size = mpmath.sqrt(
            transform("V", act, point[0], dps=18) * transform("V", act, point[1], dps=18)
        )
        assert abs(mpmath.mpf(fast) - ref) <= mpmath.mpf("1e-12") * size
