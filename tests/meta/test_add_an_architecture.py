"""Adding an architecture is one declaration in the catalog: the recurrence is derived, the
fast path iterates it, and the Monte Carlo simulates it from the same graph, with no other
edit. A toy architecture -- a residual block with a linear side branch,
x^l = x^{l-1} + phi(W x^{l-1} + b) + V x^{l-1} + a -- is declared for the duration of a test
and checked end to end against independent routes: the recurrence against the one typed in
by hand, float64 against mpmath, and finite random networks against the mean-field
prediction (z-scores).
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy

from asymptote.recurrences import catalog
from asymptote.recurrences.architecture import Affine, Architecture, Phi, Prev, Sum
from asymptote.recurrences.symbols import Mphi, Vdphi, Vphi, Wphi, gamma, lam, m, p, q, sigma

TOY = Architecture(
    name="toy_side_branch",
    title="residual block with a linear side branch (test only)",
    step=Sum((Phi(Affine("w", Prev(), "b")), Affine("v", Prev(), "a"), Prev())),
    reference="YS17",
    assumptions=("large width", "gradient independence (YS17 Axiom 3.2)"),
)


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(catalog.ARCHITECTURES, TOY.name, TOY)
    yield TOY.name
    catalog.recurrence.cache_clear()  # drop the toy's derived recurrence


def test_the_derived_recurrence_is_the_one_written_by_hand(toy):
    sw, sb, sv, sa = (sigma(n) for n in "wbva")
    rec = catalog.recurrence(toy)
    # independent Gaussian weights: the three terms are uncorrelated except through the
    # means, E[x phi(h)] = m Mphi(q) (x and h = W x + b independent coordinatewise)
    assert sympy.simplify(rec.pre[q] - (sw**2 * p + sb**2)) == 0
    assert sympy.simplify(
        rec.state[p] - (p + Vphi(q) + sv**2 * p + sa**2 + 2 * m * Mphi(q))
    ) == 0
    assert sympy.simplify(
        rec.state[gamma] - (gamma + Wphi(q, lam) + sv**2 * gamma + sa**2 + 2 * m * Mphi(q))
    ) == 0
    assert sympy.simplify(rec.state[m] - (m + Mphi(q))) == 0
    assert sympy.simplify(rec.gradient_factor - (1 + sv**2 + sw**2 * Vdphi(q))) == 0
    assert {s.name for s in rec.parameters} == {"sigma_w", "sigma_b", "sigma_v", "sigma_a"}


def test_fast_path_matches_mpmath(toy):
    from asymptote.recurrences.iterate import iterate

    kw = {"sigma_v": "0.5", "sigma_a": "0.1"}
    fast = iterate(toy, "erf", 1.1, 0.1, depth=12, e0=0.5, m0=0.2, **kw)
    ref = iterate(toy, "erf", "1.1", "0.1", depth=12, e0="0.5", m0="0.2", dps=30, **kw)
    for i in range(12):  # well-conditioned maps over 12 layers: rounding only
        assert fast.log_p[i] == pytest.approx(float(mpmath.log(ref["p"][i])), abs=1e-12)
        assert fast.e[i] == pytest.approx(float(ref["e"][i]), abs=1e-12)
        assert fast.log_chi[i] == pytest.approx(float(ref["log_chi"][i]), abs=1e-12)


def test_finite_networks_agree_with_the_mean_field_prediction(toy):
    from asymptote.finite_width.montecarlo import (
        architectures,
        mean_field_prediction,
        simulate,
    )

    assert toy in architectures()
    kw = {"sigma_v": 0.5, "sigma_a": 0.1, "width": 400, "depth": 4}
    result = simulate(toy, "tanh", 1.1, 0.1, samples=200, seed=7, **kw)
    mf = mean_field_prediction(toy, "tanh", 1.1, 0.1, **kw)
    # finite-width bias is O(1/N) = O(2.5e-3) relative, the standard errors ~1e-2 relative:
    # |z| < 4.5 for each of the 4 x 5 entries (a 5% error in the map gives z ~ 10)
    for name in ("p", "p_ab", "q", "grad_x"):
        mean, err = result[name]
        z = (mean[1:] - mf[name][1:]) / err[1:]
        assert np.all(np.abs(z) < 4.5), (name, z)


def test_cli_runs_it(toy, capsys):
    from asymptote.cli import main

    argv = ["montecarlo", "--arch", toy, "--activation", "tanh", "--widths", "50", "--depth",
            "2", "--samples", "4", "--sigma-v", "0.5", "--quantities", "p"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("p:") and "mean field" in out and "layer    2" in out


def test_depth_laws_are_not_claimed_for_it(toy):
    """The laws are derived for the feedforward/rrn/frn recurrences; another recurrence gets
    'unknown' with the reason, never a law written for a different map."""
    import asymptote as asy

    laws = asy.leading_laws(toy, "relu", 1, "0.1", sigma_v=1, sigma_a=0)
    assert {law.law for law in laws.values()} == {"unknown"}
    assert "none of them" in laws["p"].note
