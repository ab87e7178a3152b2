"""Lee et al. 2019 [LXSBNSP19] (the talk's functional posteriors): the gradient-descent
ensemble of wide networks, checked against neural-tangents reference values and limits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import mpmath

from asymptote.claims import Claim, Expected, HighPrecision
from asymptote.posteriors import gradient_descent_ensemble, nngp_posterior

CLAIMS: list[Claim] = []

# neural-tangents 0.6.5 values (shared/reference), shipped with its `about` provenance
_DATA = Path(__file__).resolve().parent / "data" / "neural_tangents_posterior.json"


def _data() -> dict[str, Any]:
    return json.loads(_DATA.read_text())


def _add(**kw: Any) -> None:
    CLAIMS.append(Claim(source="LXSBNSP19", **kw))


def _nt_mean(dps: int) -> Any:
    return mpmath.mpf(repr(_data()["cases"][0]["mean"][0]))


def _our_mean(dps: int) -> Any:
    d = _data()
    c = d["cases"][0]
    post = gradient_descent_ensemble(
        c["activation"], c["sigma_w"], c["sigma_b"], d["train_x"], d["train_y"], d["test_x"],
        depth=c["depth"], kernel=c["kernel"], time=c["time"], dps=dps,
    )
    return mpmath.mpf(post.mean[0])


if _DATA.exists():
    _add(
        id="LXSBNSP19/gd-ensemble/neural-tangents-mean",
        location="eq. (16) (mean of the NTK gradient-descent ensemble at t = inf)",
        statement="The t = inf ensemble mean of a depth-2 ReLU network (sigma_w = 1.4, "
        "sigma_b = 0.2) at the first test point equals neural-tangents' value.",
        expected=Expected(_nt_mean, "neural-tangents 0.6.5 float64 (tests/data)"),
        check=HighPrecision(_our_mean, digits=12, dps=30),
        tolerance_why="the reference is float64 with kernel condition number ~1e2: 12 digits",
    )


def _readout_limit(dps: int) -> Any:
    d = _data()
    post = gradient_descent_ensemble("erf", 1.3, 0.1, d["train_x"], d["train_y"], d["test_x"],
                                     depth=3, kernel="nngp", time="inf", dps=dps)
    return mpmath.mpf(post.mean[1])


def _nngp_bayes(dps: int) -> Any:
    d = _data()
    post = nngp_posterior("erf", 1.3, 0.1, d["train_x"], d["train_y"], d["test_x"], depth=3,
                          dps=dps)
    return mpmath.mpf(post.mean[1])


if _DATA.exists():
    _add(
        id="LXSBNSP19/readout-only/equals-nngp-posterior",
        location="Sec. 2.3 (training only the readout gives the NNGP posterior mean at t = inf)",
        statement="Gradient descent on the readout alone converges (t = inf) to the noiseless "
        "NNGP posterior mean (erf, depth 3).",
        expected=Expected(_nngp_bayes, "GP regression with the NNGP kernel, 30 digits"),
        check=HighPrecision(_readout_limit, digits=24, dps=30),
        tolerance_why="two routes (eigendecomposition flow vs direct solve) at 30 digits",
    )
