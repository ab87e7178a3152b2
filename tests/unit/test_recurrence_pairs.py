"""Two inputs of unequal length and the NTK channel of the derived recurrences.

Independent references: the Dense/nonlinearity recursion of neural-tangents' ``stax`` as
written in the docstring of asymptote.kernels [NT20, App. C; JGH18, Thm. 1; LBNSSP18,
eq. (4)], typed in here by hand (symbolically, and as a plain float64 loop); the
equal-length recurrences of [YS17, App. B] (tests/residual/test_recurrences.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from asymptote.kernels import nngp_ntk
from asymptote.recurrences import ARCHITECTURES, recurrence
from asymptote.recurrences.architecture import EQUAL_LENGTHS
from asymptote.recurrences.symbols import (
    Mphi,
    Theta,
    Theta_1,
    Theta_2,
    Vdphi,
    Vphi,
    Wdphi,
    Wphi,
    gamma,
    lam,
    m,
    m_1,
    m_2,
    p,
    p_1,
    p_2,
    q,
    q_1,
    q_2,
    sigma,
    theta,
    theta_1,
    theta_2,
)
from asymptote.transforms import transform

sw, sb, sv, sa = (sigma(n) for n in "wbva")


def test_canonical_cross_moments():
    """Equal variances drop to two arguments; full correlation is the exact c = 1 map."""
    assert Wphi(q, q, lam) == Wphi(q, lam)
    assert Wphi(q, q) == Vphi(q) and Wphi(q, q, q) == Vphi(q)
    assert Wdphi(q, q) == Vdphi(q) and Wdphi(q_1, q_1, q_1) == Vdphi(q_1)
    assert Wphi(q_1, q_2, lam).subs(q_2, q_1) == Wphi(q_1, lam)
    assert Wphi(q, lam).subs(lam, q) == Vphi(q)
    assert r"\mathcal{W}\phi'" in sympy.latex(Wdphi(q_1, q_2, lam))


def test_feedforward_ntk_and_nngp_are_the_neural_tangents_recursion():
    """kernels.py docstring: Dense K = sw^2 Sigma + sb^2, Theta = K + sw^2 Theta_Sigma;
    nonlinearity Sigma = W(K11, K22, K12), Theta_Sigma = Wd(K11, K22, K12) Theta; on the
    diagonal the exact c = 1 maps V, Vd.  Symbols: Sigma = gamma (pairs) / p_i (diagonal),
    Theta_Sigma = theta / theta_i, K = lambda / q_i, Theta = Theta / Theta_i."""
    rec = recurrence("feedforward")
    # Dense layer [LBNSSP18, eq. (4); NT20, App. C]
    assert rec.pair_pre[lam] == sw**2 * gamma + sb**2
    assert rec.tangent_pre[Theta] == lam + sw**2 * theta
    for one, prev, pre, tan, tan_pre in (
        (1, p_1, q_1, theta_1, Theta_1),
        (2, p_2, q_2, theta_2, Theta_2),
    ):
        assert rec.pair_pre[pre] == sw**2 * prev + sb**2, one
        assert rec.tangent_pre[tan_pre] == pre + sw**2 * tan, one
        # nonlinearity on the diagonal: the exact c = 1 maps
        assert rec.pair_state[prev] == Vphi(pre)
        assert rec.tangent_state[tan] == Vdphi(pre) * tan_pre
    # nonlinearity on pairs [JGH18, Thm. 1]
    assert rec.pair_state[gamma] == Wphi(q_1, q_2, lam)
    assert rec.tangent_state[theta] == Wdphi(q_1, q_2, lam) * Theta


def test_feedforward_ntk_over_two_layers_is_jacot_theorem_1():
    r"""Theta^l = K^l + sw^2 Wd(K^{l-1}) Theta^{l-1}, K^l = sw^2 W(K^{l-1}) + sb^2."""
    rec = recurrence("feedforward")
    k1, k2, k12, t12 = sympy.symbols("K1 K2 K12 T12", positive=True)
    prev_layer = {q_1: k1, q_2: k2, lam: k12, Theta: t12}
    th = rec.tangent_state[theta].xreplace(prev_layer)
    sig = rec.pair_state[gamma].xreplace(prev_layer)
    k_next = rec.pair_pre[lam].xreplace({gamma: sig})
    t_next = rec.tangent_pre[Theta].xreplace({lam: k_next, theta: th})
    assert sympy.expand(k_next - (sw**2 * Wphi(k1, k2, k12) + sb**2)) == 0
    assert sympy.expand(t_next - (k_next + sw**2 * Wdphi(k1, k2, k12) * t12)) == 0
    # and the same on the diagonal with the c = 1 maps
    th1 = rec.tangent_state[theta_1].xreplace({q_1: k1, Theta_1: t12})
    t1_next = rec.tangent_pre[Theta_1].xreplace({theta_1: th1})
    assert sympy.expand(t1_next - (q_1 + sw**2 * Vdphi(k1) * t12)) == 0


def _hand_nngp_ntk(name, sw_, sb_, x, depth):
    """The neural-tangents recursion as a plain float64 loop over the full Gram matrix."""
    sw2, sb2 = sw_**2, sb_**2
    sig = x @ x.T / x.shape[1]
    th = np.zeros_like(sig)
    for _ in range(depth):
        k = sw2 * sig + sb2
        t = k + sw2 * th
        d = np.diag(k)
        q1, q2 = np.meshgrid(d, d, indexing="ij")
        sig = transform("W", name, q1, q2, k)
        th = transform("Wd", name, q1, q2, k) * t
    k = sw2 * sig + sb2
    return k, k + sw2 * th


@pytest.mark.parametrize("name", ["relu", "erf", "tanh"])
def test_kernels_follow_the_hand_recursion(name):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(5, 3))
    pair = nngp_ntk(name, 1.3, 0.2, x, depth=4)
    k, t = _hand_nngp_ntk(name, 1.3, 0.2, x, 4)
    # the same float64 operations except W at c = 1 on the diagonal (V there): a few ulps
    np.testing.assert_allclose(pair.nngp, k, rtol=1e-13)
    np.testing.assert_allclose(pair.ntk, t, rtol=1e-13)


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_two_input_recurrence_at_equal_lengths_is_the_equal_length_one(arch):
    rec = recurrence(arch)

    def equal(expr):
        return sympy.expand(expr.xreplace(EQUAL_LENGTHS))

    assert equal(rec.pair_pre[q_1]) == rec.pre[q]
    assert equal(rec.pair_pre[lam]) == rec.pre[lam]
    assert equal(rec.pair_state[p_1]) == rec.state[p]
    assert equal(rec.pair_state[m_1]) == rec.state[m]
    assert equal(rec.pair_state[gamma]) == rec.state[gamma]


@pytest.mark.parametrize("arch", sorted(ARCHITECTURES))
def test_input_two_is_input_one_with_indices_swapped(arch):
    rec = recurrence(arch)
    swap = {
        p_1: p_2, p_2: p_1, m_1: m_2, m_2: m_1, q_1: q_2, q_2: q_1,
        theta_1: theta_2, theta_2: theta_1, Theta_1: Theta_2, Theta_2: Theta_1,
    }  # fmt: skip
    for one, two in ((q_1, q_2), (Theta_1, Theta_2)):
        fields = rec.pair_pre if one in rec.pair_pre else rec.tangent_pre
        assert fields[one].xreplace(swap) == fields[two]
    for one, two in ((p_1, p_2), (m_1, m_2), (theta_1, theta_2)):
        fields = rec.pair_state if one in rec.pair_state else rec.tangent_state
        assert fields[one].xreplace(swap) == fields[two]
    # the pair channel is symmetric under the swap (W and Wd are symmetric in q1, q2)
    sym = {Wphi(q_2, q_1, lam): Wphi(q_1, q_2, lam), Wdphi(q_2, q_1, lam): Wdphi(q_1, q_2, lam)}
    for fields, key in ((rec.pair_state, gamma), (rec.tangent_state, theta)):
        assert sympy.expand(fields[key].xreplace(swap).xreplace(sym) - fields[key]) == 0


def test_residual_ntk_and_unequal_lengths_by_hand():
    frn, rrn = recurrence("frn"), recurrence("rrn")
    w12, wd12 = Wphi(q_1, q_2, lam), Wdphi(q_1, q_2, lam)
    # full resnet: x + V phi(W x + b) + a; gradients of V, a and of the inner layer add up
    assert (
        sympy.expand(frn.tangent_state[theta] - (theta + sv**2 * (w12 + wd12 * Theta) + sa**2)) == 0
    )
    assert sympy.expand(frn.pair_state[gamma] - (gamma + sv**2 * w12 + sa**2)) == 0
    # reduced resnet with a non-odd activation: E[x(a) phi(b)] = m_1 Mphi(q_2)
    expected = gamma + w12 + m_1 * Mphi(q_2) + m_2 * Mphi(q_1)
    assert sympy.expand(rrn.pair_state[gamma] - expected) == 0
    assert sympy.expand(rrn.tangent_state[theta] - (theta + wd12 * Theta)) == 0
    assert rrn.tangent_pre[Theta] == lam + sw**2 * theta


def test_pre_activation_step_of_the_feedforward_network_is_the_length_map():
    step = recurrence("feedforward").pre_activation_step()
    assert step[q] == sw**2 * Vphi(q) + sb**2
    assert step[lam] == sw**2 * Wphi(q, lam) + sb**2
