"""``mean_field_prediction`` evaluates the derived recurrence of the one architecture list."""

from __future__ import annotations

import math

import numpy as np
import pytest

from asymptote.finite_width.montecarlo import (
    QUANTITIES,
    architectures,
    default_inputs,
    mean_field_prediction,
)
from asymptote.recurrences.catalog import ARCHITECTURES as GRAPHS
from asymptote.recurrences.catalog import SCALED, recurrence


def test_one_architecture_list():
    assert architectures() == (*GRAPHS, *SCALED)
    assert architectures() == ("feedforward", "rrn", "frn", "scaled")
    for name, variant in SCALED.items():
        assert variant.name == name and variant.base in GRAPHS
        params = {s.name for s in recurrence(variant.base).parameters}
        assert {f"sigma_{w}" for w in variant.scaled} <= params


@pytest.mark.parametrize("eta", [0.0, 0.5, 1.7])
def test_scaled_is_frn_with_scaled_branch_sigmas(eta):
    kw = dict(width=12, depth=5)
    scaled = mean_field_prediction("scaled", "tanh", 1.3, 0.2, sigma_v=0.8, sigma_a=0.3,
                                   eta=eta, **kw)  # fmt: skip
    frn = mean_field_prediction("frn", "tanh", 1.3, 0.2, sigma_v=0.8 * eta, sigma_a=0.3 * eta,
                                **kw)  # fmt: skip
    for name in QUANTITIES:
        np.testing.assert_allclose(scaled[name], frn[name], rtol=1e-14, atol=0)


def test_per_layer_eta_is_bound_per_layer():
    etas = [1.0, 0.5, 0.25]
    mf = mean_field_prediction("scaled", "relu", 1.0, 0.0, sigma_v=1.0, sigma_a=0.0,
                               eta=etas, width=10, depth=3)  # fmt: skip
    p = 1.0  # default inputs have length 1; relu: V(q) = q / 2, q = p
    for l, e in enumerate(etas, start=1):
        p = p + e**2 * p / 2
        assert mf["p"][l] == pytest.approx(p, rel=1e-14)


def test_rrn_relu_mean_term_is_exact():
    # p^1 = p^0 + V(q) + 2 m^0 Mphi(q), Mphi(q) = sqrt(q / (2 pi)) for relu
    x0 = default_inputs(10)
    sw, sb = 1.0, 0.2
    mf = mean_field_prediction("rrn", "relu", sw, sb, width=10, depth=1)
    q = sw**2 * 1.0 + sb**2
    expected = 1.0 + q / 2 + 2 * float(x0[0].mean()) * math.sqrt(q / (2 * math.pi))
    assert mf["p"][1] == pytest.approx(expected, rel=1e-14)


def test_feedforward_unequal_widths_gradient():
    widths = [16, 8, 12]
    mf = mean_field_prediction("feedforward", "relu", 2**0.5, 0.0, width=widths, depth=3)
    # He initialization: sigma_w^2 Vphi'(q) = 1, so only the width ratios remain
    np.testing.assert_allclose(mf["grad_x"], [12 / 16, 12 / 16, 12 / 8, 1.0], rtol=1e-14)
