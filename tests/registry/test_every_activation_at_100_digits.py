"""Every registered activation at 100 digits, against a route sharing no code with the
library's (DESIGN.md, principle 2), parametrized over the registry itself.

The second moment V(1.7) = E[phi(sqrt(1.7) z)^2] from :func:`asymptote.transforms.transform`
(a closed form, or tanh-sinh quadrature split at the kinks) against

* phi positively homogeneous of degree k (the rectifier families, derived by the
  registry): phi(x) = phi(1) x^k for x > 0 and phi(-1) |x|^k for x < 0, so
  V(q) = q^k (phi(1)^2 + phi(-1)^2)/2 * E|z|^(2k) with E|z|^(2k) = 2^k Gamma(k + 1/2)/sqrt(pi)
  (the Gaussian absolute moments, DLMF 5.9.1 with t = z^2/2);
* otherwise Gauss-Legendre on [-R, R] split at the kinks and at 8 equal pieces (the
  library uses tanh-sinh), with R so that the Gaussian tail beyond it is below 10^-(dps+20).

Tolerance 10^-97 relative (of max(1, |V|)): both routes run with 10 guard digits, and the
result is rounded to 100, so three digits of slack.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy

from asymptote.activations import activation
from asymptote.transforms import transform
from tests.strategies import case_id, registry_cases

CASES = registry_cases()
Q = "1.7"
DPS = 100


def _reference_second_moment(act, q, dps):
    with mpmath.workdps(dps + 10):
        qq = mpmath.mpf(q)
        degree = act.homogeneity_degree_exact
        if degree is not None:
            k = mpmath.mpf(sympy.N(degree, dps + 20))
            one, minus_one = act.phi_mp(mpmath.mpf(1)), act.phi_mp(mpmath.mpf(-1))
            moment = 2**k * mpmath.gamma(k + mpmath.mpf(1) / 2) / mpmath.sqrt(mpmath.pi)
            return qq**k * (one**2 + minus_one**2) / 2 * moment
        r = mpmath.sqrt(2 * mpmath.log(10) * (dps + 20))
        root = mpmath.sqrt(qq)
        cuts = {mpmath.mpf(k) / root for k in act.kinks if abs(mpmath.mpf(k) / root) < r}
        nodes = sorted(set(mpmath.linspace(-r, r, 9)) | cuts)
        value = mpmath.quad(
            lambda x: act.phi_mp(root * x) ** 2 * mpmath.exp(-x * x / 2),
            nodes,
            method="gauss-legendre",
        )
        return value / mpmath.sqrt(2 * mpmath.pi)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_second_moment_at_100_digits(case):
    name, params = case
    act = activation(name, **params)
    got = transform("V", act, Q, dps=DPS)
    ref = _reference_second_moment(act, Q, DPS)
    with mpmath.workdps(DPS + 10):
        assert abs(got - ref) <= mpmath.mpf(10) ** -(DPS - 3) * max(1, abs(ref)), (got, ref)
