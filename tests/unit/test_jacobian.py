"""Jacobian probes of finite random networks (asymptote.finite_width.jacobian).

References: the Jacobian formed explicitly from weight matrices (J = D^L W^L ... D^1 W^1,
tr(J^T J)/N computed exactly per network; separate code), and the linear network, for which
E tr(J^T J)/N = sigma_w^(2L) exactly at every width.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from asymptote.activations import as_activation
from asymptote.finite_width.jacobian import jacobian_probe_norms


def _explicit_traces(name, sw, sb, width, depth, networks, p0, seed):
    act = as_activation(name)
    rng = np.random.default_rng(seed)
    out = np.empty(networks)
    x0 = np.full(width, math.sqrt(p0))  # ||x||^2 / N = p0
    for k in range(networks):
        x, jac = x0, np.eye(width)
        for _ in range(depth):
            w = sw / math.sqrt(width) * rng.standard_normal((width, width))
            h = w @ x + sb * rng.standard_normal(width)
            jac = (act.dphi_np(h)[:, None] * w) @ jac
            x = act.phi_np(h)
        out[k] = np.sum(jac**2) / width
    return out


def test_matches_explicit_jacobian():
    name, sw, sb, width, depth, p0 = "tanh", 1.4, 0.3, 12, 3, 0.6
    probe = jacobian_probe_norms(name, sw, sb, width=width, depth=depth, networks=20000,
                                 input_length=p0, seed=1)  # fmt: skip
    exact = _explicit_traces(name, sw, sb, width, depth, 3000, p0, 2)
    err = math.hypot(probe.std(ddof=1) / math.sqrt(len(probe)),
                     exact.std(ddof=1) / math.sqrt(len(exact)))  # fmt: skip
    assert abs(probe.mean() - exact.mean()) < 4 * err


def test_linear_network_mean_is_sigma_w_power():
    sw, depth = 1.1, 5
    probe = jacobian_probe_norms("linear", sw, 0.2, width=10, depth=depth, networks=20000,
                                 input_length=1.0, seed=3)  # fmt: skip
    se = probe.std(ddof=1) / math.sqrt(len(probe))
    assert abs(probe.mean() - sw ** (2 * depth)) < 4 * se


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"width": 1}, "width"), ({"depth": 0}, "depth"), ({"input_length": -1.0}, "input_length"),
     ({"input_length": "x"}, "input_length"), ({"networks": 0}, "networks")],
)  # fmt: skip
def test_bad_arguments(kwargs, match):
    args = {"width": 4, "depth": 1, "networks": 2, "input_length": 1.0}
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        jacobian_probe_norms("tanh", 1.0, 0.1, **args)
