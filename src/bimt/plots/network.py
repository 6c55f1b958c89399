"""The network drawing (Fig. 1a, 3a, 3b, 6a): every weight a line, blue +, red −, width ∝ |w|.

Inputs sit on a row below the hidden layer and outputs on a row above it (drawing positions
only: they carry no distance in the loss). The hidden layer is the 2D sheet, drawn tilted in
an oblique projection ("perspective", the default, like the paper's 3D-looking sheet) or as a
flat square ("flat"); or the 1D line, whose recurrent connections are drawn as arcs above it.
Hidden neurons sit at their slots, so a drawing after swaps shows where neurons moved.

Widths follow BIMT's own plots: linewidth = c·|w| / max|w| within each matrix (c per matrix:
`widths=(c_in, c_rec, c_out)`), so the strongest weight of each matrix is c points wide.
`wmax` fixes the denominators (the growth movie passes the maximum over all frames so that
widths are comparable across frames). Lines thinner than `min_linewidth` points are skipped:
at 150 dpi a 0.05 pt line covers under a tenth of a pixel, and on a grown network most of the
160,000 recurrent weights are that small; skipping them makes a drawing take well under a
second instead of many. A dense network (at initialisation, or without regularisation) is
the other costly case: Agg's time grows with the pixels each line covers, and 160,000 long
lines take 20-30 s at 150 dpi. So at most `max_lines` lines per matrix are drawn (default
20,000, the widest): in a mesh that dense the weaker lines are hidden under the stronger ones
anyway. Pass `min_linewidth=0, max_lines=None` to draw every weight, as the paper does.
Self-connections (autapses) are rings around their neuron, with edge width ∝ |w|.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from bimt.plots.layout import check_labels, grid_shape, slot_rowcol
from bimt.plots.style import NEGATIVE_COLOR, POSITIVE_COLOR, cluster_rgba, new_axes

LAYOUTS = ("perspective", "flat")
DEFAULT_WIDTHS = (1.0, 1.0, 1.0)
DEFAULT_MIN_LINEWIDTH = 0.05
DEFAULT_MAX_LINES = 20_000

# Oblique projection of the 2D sheet: row r of R goes up by DEPTH·r/R and right by SHEAR·r/R.
_SHEAR, _DEPTH = 0.35, 0.55
_ARC_STEPS = 17  # odd, so the apex (θ = π/2) is a vertex


def network_positions(
    geometry: Any, n_in: int, n_out: int, layout: str = "perspective"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drawing positions of input [n_in, 2], hidden [N, 2] and output [n_out, 2] neurons."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    shape = grid_shape(geometry)
    rc = slot_rowcol(geometry).astype(float)
    rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    u = (rc[:, 1] + 0.5) / cols
    v = (rc[:, 0] + 0.5) / rows
    if len(shape) == 1:
        hidden = np.stack([u, np.full_like(u, 0.5)], axis=1)
        x_span, y_out = (0.0, 1.0), 1.0
    elif layout == "perspective":
        hidden = np.stack([u + _SHEAR * v, 0.45 + _DEPTH * v], axis=1)
        x_span, y_out = (0.0, 1.0 + _SHEAR), 0.45 + _DEPTH + 0.45
    else:
        hidden = np.stack([u, 0.4 + v], axis=1)
        x_span, y_out = (0.0, 1.0), 1.8
    return _row(n_in, x_span, 0.0), hidden, _row(n_out, x_span, y_out)


def _row(n: int, x_span: tuple[float, float], y: float) -> np.ndarray:
    x = x_span[0] + (np.arange(n) + 0.5) / max(n, 1) * (x_span[1] - x_span[0])
    return np.stack([x, np.full(n, y)], axis=1)


def weight_widths(w: np.ndarray, c: float, wmax: float | None = None) -> np.ndarray:
    """Line widths c·|w|/wmax (wmax defaults to max|w|; an all-zero matrix gives zeros)."""
    a = np.abs(np.asarray(w, dtype=np.float64))
    top = float(a.max()) if wmax is None and a.size else float(wmax or 0.0)
    if top <= 0:
        return np.zeros_like(a)
    return c * a / top


def _sign_colors(w: np.ndarray) -> np.ndarray:
    pos, neg = np.array(to_rgba(POSITIVE_COLOR)), np.array(to_rgba(NEGATIVE_COLOR))
    return np.where((w > 0)[:, None], pos, neg)


def _kept(
    w: np.ndarray, widths: np.ndarray, floor: float, max_lines: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """(dst, src) indices of the weights to draw, weakest first so strong lines end on top.

    Lines under `floor` points are dropped; of the rest, only the `max_lines` widest are kept.
    """
    dst, src = np.nonzero((widths >= floor) & (w != 0))
    order = np.argsort(widths[dst, src], kind="stable")
    if max_lines is not None:
        order = order[max(order.size - max_lines, 0):]
    return dst[order], src[order]


def _line_collection(
    segments: np.ndarray, w: np.ndarray, widths: np.ndarray, gid: str
) -> LineCollection:
    lc = LineCollection(segments, linewidths=widths, colors=_sign_colors(w), capstyle="butt")
    lc.set_gid(gid)
    return lc


def _arcs(x0: np.ndarray, x1: np.ndarray, y0: float, height: np.ndarray) -> np.ndarray:
    """Half-ellipse polylines from x0 to x1 at baseline y0: [M, _ARC_STEPS, 2]."""
    theta = np.linspace(np.pi, 0.0, _ARC_STEPS)
    mid, half = (x0 + x1) / 2, (x1 - x0) / 2
    xs = mid[:, None] + half[:, None] * np.cos(theta)[None, :]
    ys = y0 + height[:, None] * np.sin(theta)[None, :]
    return np.stack([xs, ys], axis=-1)


def _ring_size(fig: Figure, ax: Axes, slots: np.ndarray) -> float:
    """Marker area (pt²) of an autapse ring: half the gap between neighbouring slots.

    slots: [N, 2] data positions of the hidden neurons; rings wider than the gap would merge
    into a blur on a 20×20 sheet (the perspective view squeezes rows together).
    """
    ax.autoscale_view()
    pts = ax.transData.transform(slots) * 72.0 / fig.dpi
    gaps = np.linalg.norm(pts[:, None, :] - pts[None, :, :], axis=-1)[: min(len(pts), 64)]
    gaps = gaps[gaps > 0]
    spacing = float(gaps.min()) if gaps.size else 12.0
    diameter = float(np.clip(0.5 * spacing, 1.0, 6.0))
    return diameter**2


def _check_weights(w_in: np.ndarray, w_rec: np.ndarray, w_out: np.ndarray, n: int) -> None:
    if w_rec.shape != (n, n):
        raise ValueError(f"w_rec must be [N, N] = [{n}, {n}] for this geometry, got {w_rec.shape}")
    if w_in.ndim != 2 or w_in.shape[0] != n:
        raise ValueError(f"w_in must be [N, n_in] with N = {n}, got {w_in.shape}")
    if w_out.ndim != 2 or w_out.shape[1] != n:
        raise ValueError(f"w_out must be [n_out, N] with N = {n}, got {w_out.shape}")


def _as_numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensors, without importing torch here
        x = x.detach().cpu().float().numpy()
    return np.asarray(x, dtype=np.float64)


def draw_network(
    w_in: Any,
    w_rec: Any,
    w_out: Any,
    geometry: Any,
    ax: Axes | None = None,
    *,
    layout: str = "perspective",
    widths: tuple[float, float, float] = DEFAULT_WIDTHS,
    wmax: Mapping[str, float] | None = None,
    min_linewidth: float = DEFAULT_MIN_LINEWIDTH,
    max_lines: int | None = DEFAULT_MAX_LINES,
    labels_by_slot: np.ndarray | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the whole network (Fig. 1a / 3a / 6a).

    Args:
        w_in: [N, n_in] input weights; w_rec: [N, N] (row = target, column = source);
            w_out: [n_out, N]. numpy arrays or torch tensors, indexed by slot.
        geometry: Grid2D/Grid1D or a shape; a 1D line draws recurrent weights as arcs.
        widths: the width c in points of each matrix's strongest weight (in, rec, out).
        wmax: optional fixed denominators {"w_in", "w_rec", "w_out"} (default: each max|w|).
        min_linewidth: skip lines thinner than this many points (0 draws all).
        max_lines: draw at most this many lines per matrix, the widest (None: no cap).
        labels_by_slot: optional [N] cluster labels (-1 none) to colour hidden neurons.
    """
    w_in, w_rec, w_out = _as_numpy(w_in), _as_numpy(w_rec), _as_numpy(w_out)
    shape = grid_shape(geometry)
    n = int(np.prod(shape))
    _check_weights(w_in, w_rec, w_out, n)
    if min_linewidth < 0:
        raise ValueError(f"min_linewidth must be >= 0 points, got {min_linewidth}")
    if max_lines is not None and max_lines < 0:
        raise ValueError(f"max_lines must be >= 0 or None (no cap), got {max_lines}")
    wmax = dict(wmax or {})
    unknown = set(wmax) - {"w_in", "w_rec", "w_out"}
    if unknown:
        raise ValueError(f"wmax keys must be among 'w_in', 'w_rec', 'w_out', got {sorted(unknown)}")
    is_1d = len(shape) == 1
    size = (7.0, 3.2) if is_1d else (6.0, 6.0) if layout == "perspective" else (4.4, 7.0)
    fig, ax = new_axes(ax, size)
    p_in, p_hid, p_out = network_positions(geometry, w_in.shape[1], w_out.shape[0], layout)

    # Input -> hidden: w_in[a, k] joins input k to hidden slot a.
    lw = weight_widths(w_in, widths[0], wmax.get("w_in"))
    dst, src = _kept(w_in, lw, min_linewidth, max_lines)
    segs = np.stack([p_in[src], p_hid[dst]], axis=1)
    ax.add_collection(_line_collection(segs, w_in[dst, src], lw[dst, src], "w_in"))

    # Hidden -> hidden, autapses apart (a line of length 0 would not show).
    lw = weight_widths(w_rec, widths[1], wmax.get("w_rec"))
    off = lw.copy()
    np.fill_diagonal(off, 0.0)
    dst, src = _kept(w_rec, off, max(min_linewidth, np.finfo(float).tiny), max_lines)
    if is_1d:
        x0, x1 = p_hid[src, 0], p_hid[dst, 0]
        segs = _arcs(x0, x1, 0.5, 0.35 * np.abs(x1 - x0))
    else:
        segs = np.stack([p_hid[src], p_hid[dst]], axis=1)
    ax.add_collection(_line_collection(segs, w_rec[dst, src], lw[dst, src], "w_rec"))
    diag_w, diag_lw = np.diag(w_rec), np.diag(lw)
    keep = (diag_lw >= min_linewidth) & (diag_w != 0)
    if keep.any():
        auto = ax.scatter(
            p_hid[keep, 0], p_hid[keep, 1], s=_ring_size(fig, ax, p_hid), facecolors="none",
            edgecolors=_sign_colors(diag_w[keep]), linewidths=diag_lw[keep], zorder=3,
        )
        auto.set_gid("autapses")

    # Hidden -> output: w_out[o, a] joins hidden slot a to output o.
    lw = weight_widths(w_out, widths[2], wmax.get("w_out"))
    dst, src = _kept(w_out, lw, min_linewidth, max_lines)
    segs = np.stack([p_hid[src], p_out[dst]], axis=1)
    ax.add_collection(_line_collection(segs, w_out[dst, src], lw[dst, src], "w_out"))

    dot = 4.0 if n > 100 else 12.0
    if labels_by_slot is not None:
        hid_color = cluster_rgba(check_labels(labels_by_slot, geometry))
    else:
        hid_color = np.tile(to_rgba("black"), (n, 1))
    ax.scatter(p_hid[:, 0], p_hid[:, 1], s=dot, c=hid_color, linewidths=0, zorder=4)
    for p in (p_in, p_out):
        ax.scatter(p[:, 0], p[:, 1], s=dot, c="black", linewidths=0, zorder=4)
    ax.autoscale_view()
    ax.margins(0.03)
    if not is_1d:
        ax.set_aspect("equal")  # grid cells stay square (flat) or a true parallelogram
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return fig


def draw_recurrent_arcs(
    w_rec: Any,
    ax: Axes | None = None,
    *,
    width: float = 1.0,
    wmax: float | None = None,
    min_linewidth: float = DEFAULT_MIN_LINEWIDTH,
    max_lines: int | None = DEFAULT_MAX_LINES,
    labels_by_slot: np.ndarray | None = None,
    title: str | None = None,
) -> Figure:
    """Zoom on a 1D line's recurrent weights (Fig. 3b): arcs between slots, height ∝ span.

    Args:
        w_rec: [N, N] recurrent weights of a 1D line (row = target, column = source).
        width: points of the strongest weight; wmax: fixed denominator (default max|w|).
        min_linewidth, max_lines: as in `draw_network`.
        labels_by_slot: optional [N] cluster labels (-1 none) to colour the neurons.
    """
    w = _as_numpy(w_rec)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"w_rec must be a square [N, N] matrix, got {w.shape}")
    n = w.shape[0]
    fig, ax = new_axes(ax, (7.0, 2.8))
    lw = weight_widths(w, width, wmax)
    off = lw.copy()
    np.fill_diagonal(off, 0.0)
    dst, src = _kept(w, off, max(min_linewidth, np.finfo(float).tiny), max_lines)
    x0, x1 = src.astype(float), dst.astype(float)
    segs = _arcs(x0, x1, 0.0, np.abs(x1 - x0) / 2)
    ax.add_collection(_line_collection(segs, w[dst, src], lw[dst, src], "w_rec"))
    diag_w, diag_lw = np.diag(w), np.diag(lw)
    keep = (diag_lw >= min_linewidth) & (diag_w != 0)
    xs = np.arange(n, dtype=float)
    if keep.any():
        ring = _ring_size(fig, ax, np.stack([xs, np.zeros(n)], axis=1))
        ax.scatter(xs[keep], np.zeros(keep.sum()), s=ring, facecolors="none",
                   edgecolors=_sign_colors(diag_w[keep]), linewidths=diag_lw[keep], zorder=3)
    colors = (cluster_rgba(check_labels(labels_by_slot, n)) if labels_by_slot is not None
              else "black")
    ax.scatter(xs, np.zeros(n), s=6, c=colors, linewidths=0, zorder=4)
    ax.set_xlim(-1, n)
    top = max(0.5 * np.abs(x1 - x0).max(initial=1.0), 1.0) * 1.05
    ax.set_ylim(-0.05 * top, top)
    ax.set_xlabel("hidden slot")
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title)
    return fig
