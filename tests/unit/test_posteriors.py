"""Functional posteriors (NNGP Bayes, gradient-descent ensembles).

Independent references: the posterior formulas evaluated directly in mpmath at 50 digits by
another route (matrix exponential ``mpmath.expm`` and LU solves instead of the symmetric
eigendecomposition and the ``expm1`` gains of the library), neural-tangents 0.6.5 float64
numbers stored in ``tests/data/neural_tangents_posterior.json``, the exact limits t = 0 (prior)
and t -> infinity, and structural facts (symmetry, positive semi-definiteness).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asymptote.kernels import nngp_ntk
from asymptote.posteriors import (
    gd_ensemble_from_gram,
    gp_posterior_from_gram,
    gradient_descent_ensemble,
    load_points,
    nngp_posterior,
)

DATA = json.loads(
    (Path(__file__).parent.parent / "data" / "neural_tangents_posterior.json").read_text()
)
EPS = np.finfo(float).eps

SMALL_X = [[1.0, 0.2], [-0.3, 0.9], [0.5, -0.7], [0.1, 0.1]]
SMALL_Y = [0.5, -1.0, 0.25, 0.8]
SMALL_TEST = [[0.6, 0.8], [-1.0, 0.3]]


# ----------------------------------------------------------------------------- helpers


def _mp(mat):
    return mpmath.matrix([[mpmath.mpf(v) for v in row] for row in np.asarray(mat).tolist()])


def _direct_gd(nngp, trained, y, n, time, rate, digits=50):
    """Lee et al. 2019 eq. (15)-(16) by matrix exponential and LU solves (mpmath)."""
    with mpmath.workdps(digits):
        size = nngp.rows
        sub = lambda a, r0, r1, c0, c1: mpmath.matrix(  # noqa: E731
            [[a[i, j] for j in range(c0, c1)] for i in range(r0, r1)]
        )
        t_xx = sub(trained, 0, n, 0, n)
        t_tx = sub(trained, n, size, 0, n)
        k_xx = sub(nngp, 0, n, 0, n)
        k_tx = sub(nngp, n, size, 0, n)
        k_tt = sub(nngp, n, size, n, size)
        yy = mpmath.matrix([[mpmath.mpf(v)] for v in y])
        if time == math.inf:
            a_left = mpmath.eye(n)
        elif time == 0:  # mpmath.expm fails on the zero matrix
            a_left = mpmath.zeros(n, n)
        else:
            scale = mpmath.mpf(rate) * mpmath.mpf(time) / n
            a_left = mpmath.eye(n) - mpmath.expm(-scale * t_xx)
        # A = T^{-1} (I - e^{-sT}) by LU inversion
        a = mpmath.inverse(t_xx) * a_left
        b = t_tx * a
        mean = b * yy
        cov = k_tt - b * k_tx.T - k_tx * b.T + b * k_xx * b.T
        return mean, cov


def _digits(approx, ref):
    approx = np.asarray(approx, dtype=float)
    ref = np.asarray(ref, dtype=float)
    err = float(np.max(np.abs(approx - ref)))
    return math.inf if err == 0 else -math.log10(err / float(np.max(np.abs(ref))))


def _to_np(mat):
    return np.array(mat.tolist(), dtype=float)


# ----------------------------------------------------------------------------- formulas


@pytest.mark.parametrize("kernel", ["ntk", "nngp"])
@pytest.mark.parametrize("time", [0.0, 0.3, 5.0, 400.0, "inf"])
@pytest.mark.parametrize("name,sw,sb,depth", [("relu", "1.4", "0.2", 3), ("erf", "1.6", "0.1", 2)])
def test_gd_ensemble_matches_direct_matrix_exponential(kernel, time, name, sw, sb, depth):
    points = SMALL_X + SMALL_TEST
    pair = nngp_ntk(name, sw, sb, points, depth=depth, dps=50)
    trained = pair.ntk if kernel == "ntk" else pair.nngp
    t_value = math.inf if time == "inf" else time
    ref_mean, ref_cov = _direct_gd(pair.nngp, trained, SMALL_Y, 4, t_value, "0.7")
    hi = gradient_descent_ensemble(
        name, sw, sb, SMALL_X, SMALL_Y, SMALL_TEST, depth=depth, kernel=kernel, time=time,
        learning_rate="0.7", dps=30,
    )  # fmt: skip
    with mpmath.workdps(50):
        worst = max(
            max(abs(hi.mean[i, 0] - ref_mean[i, 0]) for i in range(2)),
            max(abs(hi.covariance[i, j] - ref_cov[i, j]) for i in range(2) for j in range(2)),
        )
        scale = max(
            [abs(ref_mean[i, 0]) for i in range(2)]
            + [abs(ref_cov[i, j]) for i in range(2) for j in range(2)]
        )
    # 30 requested digits vs a 50-digit independent route: rounding of the result (1e-30)
    # plus the kernel rounded at 42 digits times the condition number (< 1e3): 1e-25 is
    # the 10^(5-d) rule with room to spare.
    assert worst <= mpmath.mpf("1e-25") * scale
    fast = gradient_descent_ensemble(
        name, float(sw), float(sb), SMALL_X, SMALL_Y, SMALL_TEST, depth=depth, kernel=kernel,
        time=time, learning_rate=0.7,
    )  # fmt: skip
    cond = np.linalg.cond(_to_np(trained)[:4, :4])
    # float64: kernel entries carry ~1e-15 relative error, amplified by cond(Theta_XX) in
    # the solve; 64 eps cond bounds it (a few ulps per operation on 6 x 6 matrices).
    tol = 64 * EPS * cond * float(scale)
    assert np.max(np.abs(fast.mean - _to_np(ref_mean)[:, 0])) <= tol
    assert np.max(np.abs(fast.covariance - _to_np(ref_cov))) <= tol


@pytest.mark.parametrize("noise", [0.0, 0.05, 2.0])
def test_bayes_matches_direct_solve(noise):
    points = SMALL_X + SMALL_TEST
    pair = nngp_ntk("relu", "1.3", "0.3", points, depth=2, dps=40)
    with mpmath.workdps(40):
        k = pair.nngp
        kxx = mpmath.matrix([[k[i, j] for j in range(4)] for i in range(4)])
        kxx += mpmath.mpf(noise) * mpmath.eye(4)
        ktx = mpmath.matrix([[k[4 + i, j] for j in range(4)] for i in range(2)])
        ktt = mpmath.matrix([[k[4 + i, 4 + j] for j in range(2)] for i in range(2)])
        alpha = mpmath.lu_solve(kxx, mpmath.matrix(SMALL_Y))
        ref_mean = ktx * alpha
        ref_cov = ktt - ktx * mpmath.inverse(kxx) * ktx.T
    post = nngp_posterior("relu", 1.3, 0.3, SMALL_X, SMALL_Y, SMALL_TEST, depth=2, noise=noise)
    cond = np.linalg.cond(_to_np(kxx))
    # float64 kernel entries (~1e-15 relative) amplified by cond(K_XX + noise I) <= 1e3
    tol = 64 * EPS * cond * float(max(abs(v) for v in SMALL_Y))
    assert np.allclose(post.mean, _to_np(ref_mean)[:, 0], rtol=0, atol=tol)
    assert np.allclose(post.covariance, _to_np(ref_cov), rtol=0, atol=tol)
    hi = nngp_posterior("relu", "1.3", "0.3", SMALL_X, SMALL_Y, SMALL_TEST, depth=2,
                        noise=noise, dps=30)  # fmt: skip
    with mpmath.workdps(40):
        # 30 digits requested vs 40-digit direct solve: 10^(5-30)
        assert max(abs(hi.mean[i, 0] - ref_mean[i]) for i in range(2)) < mpmath.mpf("1e-25")


def test_bayes_equals_gd_readout_at_infinite_time():
    """Training only the readout to convergence gives the noiseless NNGP posterior."""
    bayes = nngp_posterior("erf", "1.5", "0.2", SMALL_X, SMALL_Y, SMALL_TEST, depth=3, dps=30)
    gd = gradient_descent_ensemble(
        "erf", "1.5", "0.2", SMALL_X, SMALL_Y, SMALL_TEST, depth=3, kernel="nngp", dps=30
    )
    with mpmath.workdps(30):
        for i in range(2):
            assert abs(bayes.mean[i, 0] - gd.mean[i, 0]) < mpmath.mpf("1e-27")
            for j in range(2):
                assert abs(bayes.covariance[i, j] - gd.covariance[i, j]) < mpmath.mpf("1e-27")


@pytest.mark.parametrize("kernel", ["ntk", "nngp"])
def test_time_zero_is_prior_and_long_time_is_limit(kernel):
    args = ("relu", 1.2, 0.1, SMALL_X, SMALL_Y, SMALL_TEST)
    zero = gradient_descent_ensemble(*args, depth=2, kernel=kernel, time=0)
    prior = nngp_ntk("relu", 1.2, 0.1, SMALL_TEST, depth=2).nngp
    assert np.all(zero.mean == 0)
    # the same float64 kernel recursion on the test block: equal to rounding
    assert np.allclose(zero.covariance, prior, rtol=4 * EPS, atol=0)
    limit = gradient_descent_ensemble(*args, depth=2, kernel=kernel, time="inf")
    late = gradient_descent_ensemble(*args, depth=2, kernel=kernel, time=1e6)
    # slowest mode exp(-lambda_min t / n) with lambda_min t / n > 1e3: exactly converged
    assert np.allclose(late.mean, limit.mean, rtol=0, atol=1e-12)
    assert np.allclose(late.covariance, limit.covariance, rtol=0, atol=1e-12)


def test_tiny_eigenvalue_gain_is_accurate():
    """(1 - exp(-s lambda)) / lambda must not lose digits as lambda -> 0 (expm1, not 1 - exp)."""
    lam = 1e-13
    gram = np.array([[1.0, 1.0 - lam / 2, 0.3], [1.0 - lam / 2, 1.0, 0.3], [0.3, 0.3, 1.0]])
    fast = gd_ensemble_from_gram(gram, gram, [1.0, -1.0], time=2.0, learning_rate=1.0)
    hi = gd_ensemble_from_gram(_mp(gram), _mp(gram), [1.0, -1.0], time=2, learning_rate=1, dps=40)
    ref_mean, ref_cov = _direct_gd(_mp(gram), _mp(gram), [1.0, -1.0], 2, 2.0, 1, digits=60)
    with mpmath.workdps(40):
        assert abs(hi.mean[0, 0] - ref_mean[0, 0]) < mpmath.mpf("1e-35")
    # the train block has eigenvalues 2 and ~5e-14 (cond 4e13), yet at finite time no
    # inverse is formed: the float64 result is accurate to ~1e-15 absolute (B = O(1))
    assert abs(fast.mean[0] - float(ref_mean[0, 0])) < 1e-14
    assert abs(fast.covariance[0, 0] - float(ref_cov[0, 0])) < 1e-14


def test_singular_kernel_needs_regularizer():
    x = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]  # duplicated training point
    with pytest.raises(ValueError, match="singular.*diag_reg"):
        gradient_descent_ensemble("relu", 1.4, 0.1, x, [1, 1, 0], [[0.6, 0.8]], depth=2)
    with pytest.raises(ValueError, match="singular.*diag_reg"):
        nngp_posterior("relu", 1.4, 0.1, x, [1, 1, 0], [[0.6, 0.8]], depth=2)
    with pytest.raises(ValueError, match="singular.*diag_reg"):
        nngp_posterior("relu", 1.4, 0.1, x, [1, 1, 0], [[0.6, 0.8]], depth=2, dps=20)
    # finite time needs no inverse; a regularizer or observation noise removes the error
    finite = gradient_descent_ensemble(
        "relu", 1.4, 0.1, x, [1, 1, 0], [[0.6, 0.8]], depth=2, time=3.0
    )
    assert np.all(np.isfinite(finite.covariance))
    reg = gradient_descent_ensemble(
        "relu", 1.4, 0.1, x, [1, 1, 0], [[0.6, 0.8]], depth=2, diag_reg=1e-6
    )
    noisy = nngp_posterior("relu", 1.4, 0.1, x, [1, 1, 0], [[0.6, 0.8]], depth=2, noise=1e-6)
    assert np.all(np.isfinite(reg.mean)) and np.all(np.isfinite(noisy.mean))


def test_diag_reg_follows_neural_tangents_relative_convention():
    gram = np.array([[2.0, 0.5, 0.1], [0.5, 4.0, 0.2], [0.1, 0.2, 1.0]])
    relative = gp_posterior_from_gram(gram, [1.0, 2.0], diag_reg=0.1)
    absolute = gp_posterior_from_gram(
        gram, [1.0, 2.0], diag_reg=0.1 * 3.0, diag_reg_absolute_scale=True
    )  # mean training diagonal (2 + 4) / 2 = 3
    noisy = gp_posterior_from_gram(gram, [1.0, 2.0], noise=0.3)
    assert np.allclose(relative.mean, absolute.mean, rtol=1e-15, atol=0)
    assert np.allclose(relative.mean, noisy.mean, rtol=1e-15, atol=0)


# ----------------------------------------------------------------------------- neural-tangents


def _case_id(case):
    return f"{case['activation']}-L{case['depth']}-{case['kernel']}-t{case['time']}"


@pytest.mark.parametrize("case", DATA["cases"], ids=_case_id)
def test_neural_tangents_reference(case):
    kw = {"depth": case["depth"], "kernel": case["kernel"], "time": case["time"]}
    args = (case["activation"], repr(case["sigma_w"]), repr(case["sigma_b"]))
    data = (DATA["train_x"], DATA["train_y"], DATA["test_x"])
    hi = gradient_descent_ensemble(*args, *data, dps=30, **kw)
    fast = gradient_descent_ensemble(*args, *data, **kw)
    ref_mean = np.array([float(hi.mean[i, 0]) for i in range(hi.mean.rows)])
    ref_cov = _to_np(hi.covariance)
    pair = nngp_ntk(case["activation"], case["sigma_w"], case["sigma_b"], DATA["train_x"],
                    depth=case["depth"])  # fmt: skip
    trained = pair.ntk if case["kernel"] == "ntk" else pair.nngp
    cond = np.linalg.cond(trained)
    scale = max(np.max(np.abs(ref_mean)), np.max(np.abs(ref_cov)))
    # Both neural-tangents and our fast path are float64 routes: kernel entries with
    # relative error ~1e-15, amplified by cond(train kernel) <= 460 here; 64 eps cond
    # (<= 7e-12 relative) bounds both. Measured: 14.0-15.7 digits for neural-tangents,
    # 13.8-15.5 for the fast path (see docs/posteriors.md).
    tol = 64 * EPS * cond * scale
    for approx_mean, approx_cov in (
        (case["mean"], case["covariance"]),
        (fast.mean, fast.covariance),
    ):
        assert np.max(np.abs(np.asarray(approx_mean) - ref_mean)) <= tol
        assert np.max(np.abs(np.asarray(approx_cov) - ref_cov)) <= tol
    # neural-tangents' covariance is symmetric only to rounding; ours exactly
    assert np.array_equal(fast.covariance, fast.covariance.T)


# ----------------------------------------------------------------------------- structure


@given(
    n=st.integers(1, 5),
    m=st.integers(1, 4),
    d=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(["relu", "erf", "abs"]),
    kernel=st.sampled_from(["ntk", "nngp"]),
    time=st.one_of(st.floats(0.0, 1e4), st.just("inf")),
)
def test_covariance_symmetric_positive_semidefinite(n, m, d, seed, name, kernel, time):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    xt = rng.normal(size=(m, d))
    post = gradient_descent_ensemble(
        name, 1.3, 0.2, x, y, xt, depth=2, kernel=kernel, time=time, diag_reg=1e-3
    )
    cov = post.covariance
    assert np.array_equal(cov, cov.T)
    pair = nngp_ntk(name, 1.3, 0.2, np.vstack([x, xt]), depth=2)
    trained = pair.ntk if kernel == "ntk" else pair.nngp
    reg = 1e-3 * np.trace(trained[:n, :n]) / n
    # ||B|| = ||T_xX A|| <= ||T_xX|| / lambda_min(T_XX + reg) since every gain
    # (1 - exp(-s lambda)) / lambda <= 1 / lambda
    b_norm = np.linalg.norm(trained[n:, :n], 2) / np.min(
        np.linalg.eigvalsh(trained[:n, :n] + reg * np.eye(n))
    )
    # cov = C P C^T with ||C|| <= 1 + ||B||; rounding in P (PSD up to ~eps ||P||) and in
    # the products gives eigenvalues >= -c eps (1 + ||B||)^2 ||P||, c = 64
    bound = 64 * EPS * (1 + b_norm) ** 2 * (np.linalg.norm(pair.nngp, 2) + reg)
    assert np.min(np.linalg.eigvalsh(cov)) >= -bound


# ----------------------------------------------------------------------------- inputs


def test_file_inputs_npy_and_csv(tmp_path):
    np.save(tmp_path / "x.npy", np.array(SMALL_X))
    (tmp_path / "y.csv").write_text("\n".join(str(v) for v in SMALL_Y) + "\n")
    (tmp_path / "t.csv").write_text("\n".join(",".join(map(str, r)) for r in SMALL_TEST))
    from_files = gradient_descent_ensemble(
        "relu", 1.4, 0.2, tmp_path / "x.npy", str(tmp_path / "y.csv"), tmp_path / "t.csv",
        depth=2, time=1.0,
    )  # fmt: skip
    direct = gradient_descent_ensemble(
        "relu", 1.4, 0.2, SMALL_X, SMALL_Y, SMALL_TEST, depth=2, time=1.0
    )
    assert np.array_equal(from_files.mean, direct.mean)
    assert np.array_equal(from_files.covariance, direct.covariance)
    assert load_points(tmp_path / "t.csv", "test_x", exact=True)[0, 0] == "0.6"


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"time": -1.0}, "time must be >= 0"),
        ({"learning_rate": 0}, "learning_rate must be > 0"),
        ({"diag_reg": -1e-3}, "diag_reg must be >= 0"),
        ({"kernel": "cnn"}, "kernel must be"),
        ({"train_y": [1.0, 2.0]}, "same number of rows"),
        ({"test_x": [[1.0, 2.0, 3.0]]}, "same number of features"),
        ({"train_x": [1.0, 2.0, 3.0, 4.0]}, "2-D array"),
        ({"train_x": "missing.csv"}, "cannot read"),
        ({"train_x": "data.json"}, r"\.npy or \.csv"),
        ({"train_y": [1.0, math.nan, 0.0, 0.0]}, "finite"),
        ({"time": math.nan}, "time must be finite"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, match):
    base = {"train_x": SMALL_X, "train_y": SMALL_Y, "test_x": SMALL_TEST, "time": 1.0}
    base.update(kwargs)
    data = (base.pop("train_x"), base.pop("train_y"), base.pop("test_x"))
    with pytest.raises(ValueError, match=match):
        gradient_descent_ensemble("relu", 1.4, 0.2, *data, depth=2, **base)


def test_noise_must_be_nonnegative():
    with pytest.raises(ValueError, match="noise must be >= 0"):
        nngp_posterior("relu", 1.4, 0.2, SMALL_X, SMALL_Y, SMALL_TEST, depth=2, noise=-1)


def test_multi_output_targets():
    y2 = np.column_stack([SMALL_Y, np.array(SMALL_Y) * 2])
    post = gradient_descent_ensemble("relu", 1.4, 0.2, SMALL_X, y2, SMALL_TEST, depth=2, time=2.0)
    assert post.mean.shape == (2, 2)
    # n in eta t / n is train_y.size (neural-tangents): 8 targets, so time 4 with 2 outputs
    # equals time 2 with one output
    single = gradient_descent_ensemble(
        "relu", 1.4, 0.2, SMALL_X, SMALL_Y, SMALL_TEST, depth=2, time=1.0
    )
    assert np.allclose(post.mean[:, 0], single.mean, rtol=1e-14, atol=0)
    assert np.allclose(post.mean[:, 1], 2 * single.mean, rtol=1e-14, atol=0)


# ----------------------------------------------------------------------------- command line


def _write_data(tmp_path):
    np.save(tmp_path / "tx.npy", np.array(DATA["train_x"]))
    np.save(tmp_path / "ty.npy", np.array(DATA["train_y"]))
    np.save(tmp_path / "sx.npy", np.array(DATA["test_x"]))
    return [
        "--train-x", str(tmp_path / "tx.npy"), "--train-y", str(tmp_path / "ty.npy"),
        "--test-x", str(tmp_path / "sx.npy"),
    ]  # fmt: skip


def test_cli_posterior_json_matches_neural_tangents(tmp_path, capsys):
    from asymptote.cli import main

    case = next(c for c in DATA["cases"] if c["kernel"] == "ntk" and c["time"] == 1.0)
    argv = [
        "posterior", "--activation", case["activation"], "--sigma-w", str(case["sigma_w"]),
        "--sigma-b", str(case["sigma_b"]), "--depth", str(case["depth"]), "--time", "1",
        "--dps", "20", "--json", *_write_data(tmp_path),
    ]  # fmt: skip
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["mean"]) == 3 and len(out["covariance"]) == 3
    assert all(isinstance(v, str) for v in out["mean"])
    # same float64 bound as test_neural_tangents_reference (cond <= 460 here)
    assert np.allclose([float(v) for v in out["mean"]], case["mean"], rtol=0, atol=1e-12)
    assert np.allclose(
        [[float(v) for v in row] for row in out["covariance"]], case["covariance"], atol=1e-12
    )


@pytest.mark.parametrize(
    "extra,match",
    [
        (["--time", "-1"], "time must be >= 0"),
        (["--mode", "bayes", "--kernel", "ntk"], "--kernel ntk needs --mode gd"),
        (["--noise", "0.1"], "--noise applies to --mode bayes"),
        (["--depth", "-1"], "--depth must be an integer >= 0"),
    ],
)
def test_cli_posterior_bad_input_exits_2(tmp_path, capsys, extra, match):
    from asymptote.cli import main

    argv = ["posterior", "--activation", "relu", "--sigma-w", "1.4", "--sigma-b", "0.2",
            "--depth", "2", *_write_data(tmp_path), *extra]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err and len(err.strip().splitlines()) == 1


def test_cli_posterior_unreadable_file(capsys):
    from asymptote.cli import main

    argv = ["posterior", "--activation", "relu", "--sigma-w", "1.4", "--sigma-b", "0.2",
            "--depth", "2", "--train-x", "/nonexistent/x.csv", "--train-y", "y.csv",
            "--test-x", "t.csv"]  # fmt: skip
    assert main(argv) == 2
    assert "train_x: cannot read file" in capsys.readouterr().err


def test_cli_linearization_json(capsys):
    from asymptote.cli import main

    argv = ["linearization", "--widths", "32,64,128", "--seeds", "2", "--steps", "3", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["widths"] == [32, 64, 128]
    assert set(out["parameter_change"]["fit"]) == {"exponent", "standard_error", "prefactor"}
