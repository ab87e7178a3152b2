"""Digits at high precision: 1000 digits where a closed form exists, each against a route
that shares no code with the library's. (Every registered activation at 100 digits is
``tests/registry/test_every_activation_at_100_digits.py``, parametrized over the registry.)"""

from __future__ import annotations

import mpmath
import pytest

from asymptote.transforms import transform


def _close(got, ref, digits):
    with mpmath.workdps(digits + 10):
        assert abs(got - ref) <= mpmath.mpf(10) ** (-digits) * max(1, abs(ref)), (got, ref)


def test_relu_arccos_form_equals_alpha_relu_hypergeometric_form_at_1000_digits():
    """Two closed forms of E[u_+ v_+]: Cho & Saul's arc-cosine (ab_relu) and the
    hypergeometric alpha-ReLU kernel at alpha = 1 (independent code paths)."""
    a = transform("W", "relu", "0.7", "1.3", "-0.4", dps=1000)
    b = transform("W", "alpha_relu", "0.7", "1.3", "-0.4", dps=1000, alpha=1)
    _close(a, b, 995)


def test_step_kernel_at_1000_digits():
    got = transform("W", "step", "0.5", "2", "0.3", dps=1000)
    with mpmath.workdps(1010):
        ref = mpmath.mpf(1) / 4 + mpmath.asin(mpmath.mpf("0.3")) / (2 * mpmath.pi)
    _close(got, ref, 995)


def test_erf_and_sin_at_1000_digits():
    got = transform("V", "erf", "0.37", dps=1000)
    with mpmath.workdps(1010):
        q = mpmath.mpf("0.37")
        ref = 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q))  # [W97] in arcsine form
    _close(got, ref, 995)
    got = transform("W", "sin", "0.37", "1.1", "0.5", dps=1000)
    with mpmath.workdps(1010):
        ref = mpmath.exp(-(mpmath.mpf("0.37") + mpmath.mpf("1.1")) / 2) * mpmath.sinh(
            mpmath.mpf("0.5")
        )
    _close(got, ref, 995)


@pytest.mark.slow
def test_hard_tanh_at_100_digits():
    """Closed form of E[clip(u)^2] = q P(|u| < 1) - 2 sqrt(q) phi(1/sqrt q) + P(|u| > 1)."""
    got = transform("V", "hard_tanh", "1.7", dps=100)
    with mpmath.workdps(110):
        q = mpmath.mpf("1.7")
        s = mpmath.sqrt(q)
        inside = mpmath.erf(1 / (s * mpmath.sqrt(2)))
        ref = q * inside - 2 * s * mpmath.npdf(1 / s) + (1 - inside)
    _close(got, ref, 97)
