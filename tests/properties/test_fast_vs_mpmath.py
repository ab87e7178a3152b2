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

from asymptote.activations import BoundActivation, activation, list_activations, presets, specs
from asymptote.activations._checks import sample_params
from asymptote.numeric.gaussian_mp import expect_1d_mp
from asymptote.transforms import transform
from tests.strategies import correlations, params_from_domains, variances

EPS = sys.float_info.epsilon


def _family(name):
    return specs()[presets()[name].family] if name in presets() else specs()[name]


# Read from the registry at collection time: a new activation is covered with no edit here.
def _closed(name, keys):
    return bool(set(_family(name).symbolic_forms) & set(keys))


#: Names (families and presets) with closed 1-D transforms, and with a closed cross moment
#: (the fast path evaluates them); hard_tanh has the first, not the second.
CLOSED_1D = [name for name in list_activations() if _closed(name, ("V", "Vd", "dV"))]
CLOSED = [name for name in list_activations() if _closed(name, ("W",))]
#: Names whose 1-D transforms, and whose cross moment, are computed by quadrature (the fast
#: path is Gauss-Legendre / a Chebyshev table).
QUADRATURE_1D = [name for name in list_activations() if name not in CLOSED_1D]
QUADRATURE = [name for name in list_activations() if name not in CLOSED]


def _draw_activation(name, data):
    """A preset with its defaults; a family with parameters drawn from their domains."""
    spec = _family(name)
    if name in presets() or not spec.params:
        return activation(name)
    return activation(name, **data.draw(params_from_domains(spec), label="params"))


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


def assert_fast_matches_mpmath(act: BoundActivation, key: str, args: tuple) -> None:
    """The generic check: ``transform(key, act, *args)`` on the float64 fast path against
    the mpmath path at 30 digits (tolerance in the module doc). Raises AssertionError."""
    fast = transform(key, act, *args)
    ref = transform(key, act, *args, dps=30)
    # + the smallest normal float: values below it (sin's dV = exp(-2q) at q = 1000) underflow
    bound = mpmath.mpf("1e-12") * abs(ref) + sys.float_info.min
    error = abs(mpmath.mpf(fast) - ref)
    if error <= bound:
        return
    cond = _partial_magnitudes(act, key, args)  # only needed beyond the plain bound
    assert error <= bound + 8 * EPS * cond, (act, key, args, fast, ref, cond)


@pytest.mark.parametrize("name", CLOSED_1D)
@pytest.mark.parametrize("key", ["V", "Vd", "dV"])
@given(q=variances(), data=st.data())
def test_one_d_closed_forms(name, key, q, data):
    act = _draw_activation(name, data)
    if act.undefined_reason(key):
        return
    assert_fast_matches_mpmath(act, key, (q,))


@pytest.mark.parametrize("name", CLOSED)
@pytest.mark.parametrize("key", ["W", "Wd"])
@given(q1=variances(-6, 6), ratio=st.floats(-2.0, 2.0), c=correlations(), data=st.data())
def test_two_d_closed_forms(name, key, q1, ratio, c, data):
    act = _draw_activation(name, data)
    if act.undefined_reason(key):
        return
    q2 = q1 * 10.0**ratio
    q12 = c * math.sqrt(q1 * q2)
    degree = act.homogeneity_degree
    if abs(c) == 1.0 and degree is not None:
        # For phi homogeneous of degree k, W and Wd are Hoelder in 1 - |c| at |c| = 1 with
        # exponent p = k + 1/2 (W) or k - 1/2 (Wd; infinite there for k <= 1/2). A float
        # correlation within an ulp of 1 may round to 1, changing F by ~ (1 - |c|)^p, and
        # the linear bound 8 eps cond ~ 8 p (1 - |c|)^p covers that only for p >= 1/8.
        if (degree + 0.5 if key == "W" else degree - 0.5) < 1 / 8:
            return
    with mpmath.workdps(40):  # a genuine covariance (not clipped), so partials are local
        while abs(mpmath.mpf(q12)) > mpmath.sqrt(mpmath.mpf(q1) * mpmath.mpf(q2)):
            q12 = math.nextafter(q12, 0.0)
    assert_fast_matches_mpmath(act, key, (q1, q2, q12))


@pytest.mark.parametrize("name", QUADRATURE_1D)
@pytest.mark.parametrize("key", ["V", "Vd", "dV"])
@settings(max_examples=6)
@given(q=variances(), data=st.data())
def test_one_d_quadrature_activations(name, key, q, data):
    act = _draw_activation(name, data)
    if act.undefined_reason(key):
        return
    assert_fast_matches_mpmath(act, key, (q,))


#: Pairs that reduce to one dimension: independence (c = 0), identity and mirror (c = +-1).
ONE_D_PAIRS = [(2.0, 3.0, 0.0), (1.5, 1.5, 1.5), (1.5, 1.5, -1.5), (400.0, 400.0, 0.0)]


def _quadrature_case(name):
    return activation(name, **sample_params(_family(name)) if name in specs() else {})


def _one_d_reference(act, q1, q2, q12):
    """W where the pair is one-dimensional, by 1-D mpmath quadrature at 30 digits."""
    with mpmath.workdps(30):
        phi = act.phi_mp
        if q12 == 0:
            mean1 = expect_1d_mp(phi, mpmath.mpf(q1), kinks=act.kinks)
            mean2 = expect_1d_mp(phi, mpmath.mpf(q2), kinks=act.kinks)
            return mean1 * mean2
        sign = 1 if q12 > 0 else -1
        both = sorted({*act.kinks, *(-k for k in act.kinks)})
        return expect_1d_mp(lambda u: phi(u) * phi(sign * u), mpmath.mpf(q1), kinks=both)


@pytest.mark.slow
@pytest.mark.parametrize("name", QUADRATURE)
@pytest.mark.parametrize("point", ONE_D_PAIRS)
def test_two_d_quadrature_where_the_pair_is_one_dimensional(name, point):
    """The 2-D fast path at c = 0 and c = +-1 against 1-D mpmath quadrature (seconds, also
    for kinked phi). 1e-12 of the Cauchy-Schwarz size sqrt(V(q1) V(q2)): W vanishes at
    c = 0 for odd phi, and the conditioning is O(1) there."""
    act = _quadrature_case(name)
    fast = transform("W", act, *point)
    ref = _one_d_reference(act, *point)
    with mpmath.workdps(20):
        size = mpmath.sqrt(
            transform("V", act, point[0], dps=18) * transform("V", act, point[1], dps=18)
        )
        assert abs(mpmath.mpf(fast) - ref) <= mpmath.mpf("1e-12") * size, (fast, ref)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in QUADRATURE if not _quadrature_case(n).kinks])
def test_two_d_quadrature_activations(name):
    """The 2-D fast path at a generic correlation against 2-D mpmath quadrature, for every
    quadrature-only activation without kinks (18-60 s each; the library's 2-D mpmath
    quadrature of a kinked phi takes minutes per point, so kinked ones are covered by the
    one-dimensional pairs above and by the closed-form tests)."""
    act = _quadrature_case(name)
    point = (4.0, 4.0, 3.0)
    fast = transform("W", act, *point)
    with mpmath.workdps(20):
        ref = transform("W", act, *point, dps=18)
        # 2-D mpmath quadrature at 18 digits; conditioning here is O(1), so 1e-12 relative
        # of the Cauchy-Schwarz size sqrt(V(q1) V(q2))
        size = mpmath.sqrt(
            transform("V", act, point[0], dps=18) * transform("V", act, point[1], dps=18)
        )
        assert abs(mpmath.mpf(fast) - ref) <= mpmath.mpf("1e-12") * size
