r"""Tabulated transforms (:mod:`asymptote.recurrences.tables`) and the compiled loop that uses
them (:mod:`asymptote.recurrences.tabulated`), over every smooth non-homogeneous registered
activation.

Tolerances. The table's own errors are measured at build (``interpolation_error``, halfway
between nodes, against the Mehler series and the 1-D quadratures; ``mehler_error``, the series
against the 1-D quadratures) and must stay below ``1e-12`` (H) and ``1e-14`` (V, Vd). Against
mpmath (30 digits) off the grid, H must agree to ``1e-12``. Along a trajectory, a relative error
:math:`\epsilon_H` of the gap changes :math:`1 - e` by at most :math:`\epsilon_H` relative per
layer while the correlation map is at most neutral (slope :math:`\le 1`), so after :math:`L`
layers by :math:`\le L\epsilon_H`; likewise :math:`\log p` by :math:`\le L\epsilon_V`. The
reference (the quadrature path, ``compiled=False``) carries its own ~1e-14 per layer, so the
bounds used are :math:`2L\max(\epsilon, 10^{-14})` plus rounding -- and, for :math:`1 - e`, the
reference's own loss at small gaps: it forms :math:`\lambda = q(1 - \delta)` (and, for
:math:`\delta \ge 10^{-4}`, :math:`\mathcal{V}\phi - \mathcal{W}\phi` by subtraction), so its
gap has a relative error of order :math:`\epsilon_{\rm mach}(1 + 2\mathcal{V}\phi/
(\mathcal{V}\phi - \mathcal{W}\phi))` per layer, :math:`\mathcal{V}\phi - \mathcal{W}\phi
\approx q\delta\mathcal{V}\phi'(q)` (measured: tanh, :math:`e^0 = 0.999`, 60 layers,
:math:`1 - e` drifts by ``0.15`` relative where it reaches ``4e-16``). The comparison adds
:math:`\sum_{k \le l} 4\epsilon_{\rm mach}(1 + 2\mathcal{V}\phi/(q\mathcal{V}\phi'))/
\delta_k` and is made only where that is below ``1e-3``; below, the table is checked against an
independent law instead (:func:`test_deep_ordered_gap_ratio_is_chi1`).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from asymptote import activation, iterate
from asymptote.activations import list_activations
from asymptote.recurrences import tables
from asymptote.recurrences._increments import scaled_expressions
from asymptote.recurrences.catalog import ARCHITECTURES
from asymptote.recurrences.tables import Q_MAX, Q_MIN, supports_table, transform_table
from asymptote.recurrences.tabulated import (
    LEFT_ABOVE,
    LEFT_BELOW,
    LEFT_KAPPA,
    TabulatedResult,
    iterate_tabulated,
)
from asymptote.transforms import transform


def _smooth_cases() -> list[str]:
    out = []
    for name in list_activations():
        try:
            act = activation(name)
        except (TypeError, ValueError):
            continue
        if supports_table(act):
            out.append(name)
    return out


SMOOTH = _smooth_cases()


def test_registry_has_tabulated_activations() -> None:
    assert {"tanh", "gelu", "silu"} <= set(SMOOTH)


@pytest.mark.slow
@pytest.mark.parametrize("name", SMOOTH)
def test_table_measured_errors(name: str) -> None:
    table = transform_table(activation(name))
    err = table.interpolation_error
    assert err["H"] <= 1e-12 and err["V"] <= 1e-14 and err["Vd"] <= 1e-14 and err["M"] <= 1e-14
    assert table.mehler_error <= 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("name", SMOOTH)
def test_normalized_gap_against_mpmath(name: str) -> None:
    """H = (V - W)/(q delta) at 30 digits, off the grid; delta = 1e-5 leaves 25 digits."""
    act = activation(name)
    table = transform_table(act)
    for q_s, theta_s in (("0.7", "0.3"), ("13.3", "0.0044721")):
        q, theta = float(q_s), float(theta_s)
        with mpmath.workdps(30):
            qm, tm = mpmath.mpf(q_s), mpmath.mpf(theta_s)
            delta = 2 * mpmath.sin(tm / 2) ** 2
            v = transform("V", act, qm, dps=30)
            w = transform("W", act, qm, qm, qm * (1 - delta), dps=30)
            exact = float((v - w) / (qm * delta))
        assert abs(table.normalized_gap(q, theta) / exact - 1) <= 1e-12


def _sigmas(arch: str) -> dict[str, float]:
    return {"sigma_v": 0.6, "sigma_a": 0.2} if arch == "frn" else {}


@pytest.mark.slow
@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("name", SMOOTH)
def test_tabulated_trajectory_matches_quadrature_path(arch: str, name: str) -> None:
    act = activation(name)
    table = transform_table(act)
    e0 = np.array([-0.7, 0.3, 0.999])
    depth = 60
    try:
        ref = iterate(arch, act, 0.9, 0.3, depth=depth, e0=e0, m0=0.1, compiled=False,
                      **_sigmas(arch))
    except OverflowError:  # q passes the quadrature range, far outside the table
        route = _tabulated_run(arch, act, 0.9, 0.3, depth, e0, 0.1, _sigmas(arch))
        if route.complete:  # the large-q path stays finite where quadrature cannot follow
            fast = iterate(arch, act, 0.9, 0.3, depth=depth, e0=e0, m0=0.1, **_sigmas(arch))
            assert fast.route == "tabulated" and np.all(np.isfinite(fast.log_p))
        else:  # handed back: iterate raises like the quadrature path (fallback tests below)
            assert np.all(route.left_reason[route.left_at > 0] > 0)
        return
    route = _tabulated_run(arch, act, 0.9, 0.3, depth, e0, 0.1, _sigmas(arch))
    q_ref = np.exp(ref.log_q)
    if not route.complete:  # handed back to quadrature (checked by the fallback tests below)
        below = np.any(q_ref < Q_MIN, axis=0)
        assert np.all(route.left_reason[below] == LEFT_BELOW)
        assert np.all(np.isin(route.left_reason, (0, LEFT_BELOW, LEFT_ABOVE, LEFT_KAPPA)))
        assert np.all(np.any((q_ref < Q_MIN) | (q_ref > Q_MAX), axis=0)[route.left_at > 0])
        return
    fast = iterate(arch, act, 0.9, 0.3, depth=depth, e0=e0, m0=0.1, **_sigmas(arch))
    assert fast.route == "tabulated"
    errors = fast.table_error or {}
    # above the table the tail's measured errors apply (V, Vd, M, H by name)
    err = {k: max(errors[k], errors.get(f"tail_{k}", 0.0)) for k in ("V", "Vd", "M", "H")}
    tol_p = 2 * depth * max(err["V"], err["M"], 1e-14) + 1e-13
    layer = np.arange(1, depth + 1)[:, None]
    # delta_k = sigma_w^2 u^{k-1} p^{k-1} / q^k at layer k (u^0 = 1 - e0, p^0 = 1)
    u_prev = np.vstack([1.0 - e0[None, :], ref.one_minus_e[:-1]])
    p_prev = np.exp(np.vstack([np.zeros((1, e0.size)), ref.log_p[:-1]]))
    q_k = np.exp(ref.log_q)
    delta = 0.9**2 * u_prev * p_prev / q_k
    # V / (q Vd) ~ V / (V - W) * delta: the subtraction's amplification (tables suffice here)
    v_k, vd_k = np.vectorize(lambda x: table.one_d(float(x))[:2])(q_k)
    with np.errstate(divide="ignore", invalid="ignore"):
        ref_loss = np.cumsum(4 * np.finfo(float).eps * (1 + 2 * v_k / (q_k * vd_k)) / delta,
                             axis=0)
        rel_u = np.abs(fast.one_minus_e / ref.one_minus_e - 1)
    tol_u = 2 * layer * max(err["H"], 1e-14) + 1e-13 + ref_loss
    trusted = ref_loss < 1e-3
    assert trusted[:5].all()  # the comparison covers at least the first layers
    np.testing.assert_allclose(fast.log_p, ref.log_p, rtol=0, atol=tol_p)
    assert np.all(rel_u[trusted] <= tol_u[trusted]), float(np.max((rel_u / tol_u)[trusted]))
    np.testing.assert_allclose(fast.log_chi, ref.log_chi, rtol=0,
                               atol=2 * depth * max(err["Vd"], 1e-14) + 1e-13)
    np.testing.assert_allclose(fast.mean_ratio, ref.mean_ratio, rtol=0, atol=tol_p)


@pytest.mark.slow
@pytest.mark.parametrize("name", SMOOTH)
def test_deep_ordered_gap_ratio_is_chi1(name: str) -> None:
    r"""Small gaps against an independent law. Feedforward [PLRSG16, SGGS17, Sec. 3]: :math:`q^l =
    \sigma_w^2 p^{l-1} + \sigma_b^2`, :math:`p^l = \mathcal{V}\phi(q^l)` and :math:`u^l = 1 - e^l =
    q^l\delta_l H(q^l, \theta_l)/p^l` with :math:`\delta_l = \sigma_w^2 u^{l-1}p^{l-1}/q^l`, so

    .. math:: u^l/u^{l-1} = \sigma_w^2\, p^{l-1} H(q^l, \theta_l)/p^l
              = \sigma_w^2\, p^{l-1}\mathcal{V}\phi'(q^l)/p^l\,(1 + O(u)),

    the ordered-phase contraction :math:`\chi_1` as :math:`q^l \to q^*`. Checked where
    :math:`1 - e \in (10^{-290}, 10^{-10})`, gaps far below what the quadrature path resolves;
    :math:`\mathcal{V}\phi'` is the float64 1-D quadrature (``~1e-15``); the tolerance is the
    table's measured errors, ``1e-13`` for rounding of the recorded ratios, and ``10 u`` for the
    :math:`O(u)` term (:math:`H - \mathcal{V}\phi' = O(\delta)`, :math:`\delta < u`)."""
    act = activation(name)
    table = transform_table(act)
    sw = 0.9
    t = iterate("feedforward", act, sw, 0.3, depth=120, layers=np.arange(1, 121), e0=0.999)
    u, p, q = t.one_minus_e, np.exp(t.log_p), np.exp(t.log_q)
    window = np.flatnonzero((u[:-1] < 1e-10) & (u[1:] > 1e-290))  # index l-1 of layer l
    assert window.size >= 10
    nxt = window + 1
    expected = sw**2 * p[window] * np.asarray(transform("Vd", act, q[nxt]), dtype=float) / p[nxt]
    assert np.all(expected < 1)  # ordered phase
    err = table.interpolation_error
    tol = 2 * max(err["H"], err["V"]) + 1e-13 + 10 * u[window]
    rel = np.abs(u[nxt] / u[window] / expected - 1)
    assert np.all(rel <= tol), float(np.max(rel / tol))


def _tabulated_run(arch: str, act, sw: float, sb: float, depth: int, e0, m0: float,
                   kw: dict[str, float], p0: float = 1.0) -> TabulatedResult:
    """The raw tabulated loop on the inputs ``iterate`` would give it (route, left_at,
    left_reason, tail_layers), without the quadrature run it hands back to."""
    e0 = np.atleast_1d(np.asarray(e0, dtype=float))
    n = e0.size
    names = scaled_expressions(arch)[0]
    sig = {"w": sw, "b": sb, "v": kw.get("sigma_v", 0.0), "a": kw.get("sigma_a", 0.0)}
    flat = [np.full(n, math.log(p0)), np.full(n, m0 / math.sqrt(p0)), 1.0 - e0,
            *(np.full(n, float(sig[k])) for k in ("w", "b", "v", "a"))]
    return iterate_tabulated(arch, act, names, depth, np.array([depth]), flat)


#: above the table: q = sigma_w^2 p^0 = 200 > Q_MAX, layers of each restart
_TAIL_P0 = 200.0
_TAIL_DEPTH = 12


@pytest.mark.slow
@pytest.mark.parametrize("name", ["tanh", "gelu"])  # one limit of each kind: sign, relu
def test_large_q_path_matches_quadrature(name: str) -> None:
    r"""Above the table (:math:`q \ge 200`, :math:`\kappa = \sqrt q\sin\theta \ge 9`) the
    large-:math:`q` path (:class:`~asymptote.recurrences.tables.TailTransforms`) against the
    quadrature path, RRN, ``12`` layers, :math:`e^0 \in \{0.5, -0.3\}`.

    Bound: each layer adds at most the relative transform errors of both sides to
    :math:`\log p` and :math:`1 - e` while the maps are at most neutral (slope
    :math:`\le 1`): the tail's measured error (``tail_*`` of ``Trajectory.table_error``,
    measured at build against the same quadratures, ~2e-15) plus the float64 quadrature's
    own (``1e-13`` per layer, as in :mod:`tests.residual.test_laws_long_depth`; the gap's
    subtraction :math:`\epsilon(\mathcal{V} + |\mathcal{W}|)/(\mathcal{V} - \mathcal{W})` is
    ~1e-15 at these angles), twice for safety: :math:`2K(\epsilon_{\rm tail} + 10^{-13})`."""
    act = activation(name)
    e0 = np.array([0.5, -0.3])
    run = _tabulated_run("rrn", act, 1.0, 0.0, _TAIL_DEPTH, e0, 0.0, {}, p0=_TAIL_P0)
    assert run.complete and np.all(run.tail_layers == _TAIL_DEPTH)  # every layer on the tail
    kw = dict(depth=_TAIL_DEPTH, p0=_TAIL_P0, e0=e0, layers=np.arange(1, _TAIL_DEPTH + 1))
    fast = iterate("rrn", act, 1.0, 0.0, **kw)
    ref = iterate("rrn", act, 1.0, 0.0, compiled=False, **kw)
    assert fast.route == "tabulated" and ref.route == "numpy"
    assert np.all(np.exp(ref.log_q) > Q_MAX)
    errors = fast.table_error or {}
    eps = max(errors[f"tail_{k}"] for k in ("V", "Vd", "M", "H"))
    tol = 2 * np.arange(1, _TAIL_DEPTH + 1)[:, None] * (eps + 1e-13)
    assert np.all(np.abs(fast.log_p - ref.log_p) <= tol * np.maximum(1, np.abs(ref.log_p)))
    assert np.all(np.abs(fast.one_minus_e / ref.one_minus_e - 1) <= tol)
    np.testing.assert_allclose(fast.log_chi, ref.log_chi, rtol=0, atol=float(tol[-1, 0]) * 10)


def _assert_handed_back(arch: str, name: str, sw: float, e0, p0: float, reason: int) -> None:
    act = activation(name)
    run = _tabulated_run(arch, act, sw, 0.0, 4, e0, 0.0, {}, p0=p0)
    assert not run.complete
    assert run.left_at[0] == 1 and run.left_reason[0] == reason
    kw = dict(depth=4, p0=p0, e0=e0, layers=[1, 2, 3, 4])
    fast = iterate(arch, act, sw, 0.0, **kw)
    assert fast.route == "numpy" and fast.table_error is None
    ref = iterate(arch, act, sw, 0.0, compiled=False, **kw)
    np.testing.assert_array_equal(fast.log_p, ref.log_p)
    np.testing.assert_array_equal(fast.one_minus_e, ref.one_minus_e)


@pytest.mark.slow
def test_small_kappa_falls_back_to_quadrature() -> None:
    r"""tanh RRN at :math:`q = 200` with :math:`1 - e^0 = 10^{-4}`: :math:`\kappa = \sqrt{200}
    \sin\theta \approx 0.2 < \kappa_{\min}`, so the first layer leaves the tabulated loop
    (``LEFT_KAPPA``) and the whole grid (with a point that could stay, ``e0 = 0.5``) is the
    quadrature path's."""
    kappa_min = transform_table(activation("tanh")).tail.kappa_min  # type: ignore[union-attr]
    theta = 2 * math.asin(math.sqrt(0.5e-4))
    assert math.sqrt(_TAIL_P0) * math.sin(theta) < kappa_min
    _assert_handed_back("rrn", "tanh", 1.0, np.array([1 - 1e-4, 0.5]), _TAIL_P0, LEFT_KAPPA)


@pytest.mark.slow
def test_below_the_table_falls_back_to_quadrature() -> None:
    """tanh feedforward with ``q = 0.005^2 < Q_MIN``: ``LEFT_BELOW`` at the first layer."""
    assert 0.005**2 < Q_MIN
    _assert_handed_back("feedforward", "tanh", 0.005, np.array([0.5]), 1.0, LEFT_BELOW)


# ------------------------------------------------------------------------------ disk cache
def _same_table(a: tables.TransformTable, b: tables.TransformTable) -> None:
    for name in ("x_edges", "t_edges", "v_coef", "vd_coef", "m_coef", "h_coef"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.errors == b.errors
    assert (a.tail is None) == (b.tail is None)
    if a.tail is not None and b.tail is not None:
        assert a.tail.arrays()[:5] == b.tail.arrays()[:5]
        for x, y in zip(a.tail.arrays()[5:], b.tail.arrays()[5:], strict=True):
            np.testing.assert_array_equal(x, y)


def test_cache_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ASYMPTOTE_CACHE_DIR", "off")
    assert tables.cache_dir() is None
    monkeypatch.setenv("ASYMPTOTE_CACHE_DIR", str(tmp_path / "c"))
    assert tables.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("ASYMPTOTE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert tables.cache_dir() == tmp_path / "x" / "asymptote"


def test_cache_key_depends_on_declaration_and_parameters() -> None:
    keys = {tables.table_key(activation(n)) for n in SMOOTH}
    assert len(keys) == len(SMOOTH)
    assert tables.table_key(activation("tanh")) == tables.table_key(activation("tanh"))


@pytest.mark.slow
def test_cache_round_trip_and_rebuild(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """A stored table loads back equal (arrays and build-time errors); a corrupted or
    mismatched file is rebuilt and replaced; ``off`` writes nothing. The builder is
    replaced by the in-process table to see when it is called (no second build)."""
    act = activation("tanh")
    table = transform_table(act)
    built: list[object] = []

    def builder(a: object) -> tables.TransformTable:
        built.append(a)
        return table

    monkeypatch.setattr(tables, "TransformTable", builder)
    monkeypatch.setenv("ASYMPTOTE_CACHE_DIR", str(tmp_path))
    first = tables.load_or_build(act)  # cold: built and stored
    assert first is table and len(built) == 1
    (path,) = tmp_path.glob("*.npz")
    assert not list(tmp_path.glob("*.tmp"))  # the temporary file was renamed
    monkeypatch.setattr(tables, "TransformTable", type(table))  # (for __new__ on load)
    loaded = tables.load_or_build(act)  # warm: loaded
    assert loaded is not table
    _same_table(loaded, table)
    other = activation("sigmoid")
    assert tables.load_table(other, path) is None  # another activation's file
    path.write_bytes(path.read_bytes()[:200])  # corrupted (truncated)
    assert tables.load_table(act, path) is None
    monkeypatch.setattr(tables, "TransformTable", builder)
    tables.load_or_build(act)
    assert len(built) == 2  # rebuilt ...
    monkeypatch.setattr(tables, "TransformTable", type(table))
    _same_table(tables.load_table(act, path), table)  # ... and replaced
    monkeypatch.setenv("ASYMPTOTE_CACHE_DIR", "off")
    path.unlink()
    monkeypatch.setattr(tables, "TransformTable", builder)
    tables.load_or_build(act)
    assert len(built) == 3 and not list(tmp_path.iterdir())
