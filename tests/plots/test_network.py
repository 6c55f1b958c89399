from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from bimt.plots.network import draw_network, draw_recurrent_arcs, network_positions


def _collection(fig: Figure, gid: str) -> LineCollection:
    found = [c for ax in fig.axes for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection {gid!r}, found {len(found)}"
    return found[0]


def _pixel(canvas: FigureCanvasAgg, ax, xy: np.ndarray) -> np.ndarray:
    px, py = ax.transData.transform(xy)
    img = np.asarray(canvas.buffer_rgba())
    return img[round(img.shape[0] - py), round(px), :3].astype(int)


def test_positive_weight_is_blue_and_negative_red_in_the_pixels():
    # One input neuron feeding two hidden neurons on a 1D line: +1 to slot 0, -1 to slot 1.
    w_in = np.array([[1.0], [-1.0]])
    fig = Figure(figsize=(2, 2), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    draw_network(w_in, np.zeros((2, 2)), np.zeros((1, 2)), (2,), ax=ax, widths=(4, 1, 1))
    canvas.draw()
    p_in, p_hid, _ = network_positions((2,), 1, 1)
    pos = _pixel(canvas, ax, (p_in[0] + p_hid[0]) / 2)
    neg = _pixel(canvas, ax, (p_in[0] + p_hid[1]) / 2)
    assert pos[2] > 200 and pos[0] < 60 and pos[1] < 60, f"positive weight drawn as {pos}"
    assert neg[0] > 200 and neg[1] < 60 and neg[2] < 60, f"negative weight drawn as {neg}"
    # A spot away from both lines stays white: the colours come from the lines, not a fill.
    assert (_pixel(canvas, ax, np.array([0.02, 0.25])) > 240).all()


def test_line_widths_are_proportional_to_abs_weight_per_matrix():
    rng = np.random.default_rng(1)
    w_in = rng.normal(size=(4, 3))
    w_rec = rng.normal(size=(4, 4))
    w_out = rng.normal(size=(2, 4))
    fig = draw_network(w_in, w_rec, w_out, (2, 2), widths=(2.0, 1.5, 0.5), min_linewidth=0)
    for gid, w, c, n_lines in (("w_in", w_in, 2.0, 12), ("w_out", w_out, 0.5, 8),
                               ("w_rec", w_rec, 1.5, 12)):
        lw = np.sort(_collection(fig, gid).get_linewidths())
        a = np.abs(w) if gid != "w_rec" else np.abs(w[~np.eye(4, dtype=bool)])
        expected = np.sort(c * a.reshape(-1) / np.abs(w).max())
        assert lw.size == n_lines
        np.testing.assert_allclose(lw, expected, rtol=1e-12)
    # The self-connections are rings with edge widths on the same scale as w_rec's lines.
    rings = _collection(fig, "autapses")
    np.testing.assert_allclose(np.sort(rings.get_linewidths()),
                               np.sort(1.5 * np.abs(np.diag(w_rec)) / np.abs(w_rec).max()))


def test_fixed_wmax_and_visibility_floor():
    w_in = np.array([[0.5], [0.01]])
    fig = draw_network(w_in, np.zeros((2, 2)), np.zeros((1, 2)), (2,),
                       wmax={"w_in": 2.0}, widths=(1, 1, 1), min_linewidth=0.05)
    # 0.5/2 = 0.25 pt is drawn; 0.01/2 = 0.005 pt is under the floor and skipped.
    np.testing.assert_allclose(_collection(fig, "w_in").get_linewidths(), [0.25])


def test_line_cap_keeps_the_widest_lines():
    w_rec = np.arange(16, dtype=float).reshape(4, 4) - 7.5  # distinct |w|, no zeros
    fig = draw_network(np.zeros((4, 1)), w_rec, np.zeros((1, 4)), (2, 2), min_linewidth=0,
                       max_lines=3)
    off = np.abs(w_rec[~np.eye(4, dtype=bool)])
    expected = np.sort(off)[-3:] / np.abs(w_rec).max()
    np.testing.assert_allclose(np.sort(_collection(fig, "w_rec").get_linewidths()), expected)


def test_2d_hidden_neurons_sit_at_their_slots():
    p_in, p_hid, p_out = network_positions((3, 4), 5, 2, layout="flat")
    # Slot a is row a // 4, column a % 4: columns go right, rows go up by equal steps.
    assert np.allclose(np.diff(p_hid[:4, 0]), 0.25) and np.allclose(p_hid[:4, 1], p_hid[0, 1])
    assert np.allclose(p_hid[4::4, 1] - p_hid[:-4:4, 1], 1 / 3)
    assert (p_in[:, 1] < p_hid[:, 1].min()).all() and (p_out[:, 1] > p_hid[:, 1].max()).all()
    _, p_persp, _ = network_positions((3, 4), 5, 2, layout="perspective")
    # The tilted sheet: a higher row is shifted right (oblique projection), same column order.
    assert p_persp[4, 0] > p_persp[0, 0] and p_persp[4, 1] > p_persp[0, 1]


def test_full_size_network_renders(tmp_path, write_png):
    rng = np.random.default_rng(0)
    w_rec = rng.normal(size=(400, 400)) * (rng.random((400, 400)) < 0.05)
    fig = draw_network(rng.normal(size=(400, 53)), w_rec, rng.normal(size=(17, 400)), (20, 20),
                       labels_by_slot=rng.integers(-1, 5, 400), title="grown")
    write_png(fig, tmp_path / "net.png")


def test_1d_network_and_arcs(tmp_path, write_png):
    w_rec = np.array([[0.0, 1.0, 0.0], [0.0, 0.5, 0.0], [-2.0, 0.0, 0.0]])
    fig = draw_network(np.ones((3, 2)), w_rec, np.ones((1, 3)), (3,))
    write_png(fig, tmp_path / "net1d.png")
    fig = draw_recurrent_arcs(w_rec, min_linewidth=0)
    arcs = _collection(fig, "w_rec")
    segs = arcs.get_segments()
    assert len(segs) == 2  # the autapse w[1, 1] is a ring, not an arc
    # Each arc joins its two slots and rises to half their distance.
    spans = sorted((s[:, 0].min(), s[:, 0].max(), s[:, 1].max()) for s in segs)
    np.testing.assert_allclose(spans, [(0, 1, 0.5), (0, 2, 1.0)], atol=1e-12)
    write_png(fig, tmp_path / "arcs.png")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"w_rec": np.zeros((3, 3))}, "w_rec must be"),
        ({"w_in": np.zeros((3, 2))}, "w_in must be"),
        ({"w_out": np.zeros((1, 3))}, "w_out must be"),
        ({"layout": "3d"}, "layout must be one of"),
        ({"min_linewidth": -1}, "min_linewidth"),
        ({"max_lines": -1}, "max_lines"),
        ({"wmax": {"w_hid": 1.0}}, "wmax keys"),
        ({"geometry": (2, 0)}, "geometry shape"),
    ],
)
def test_bad_input_is_refused(kwargs, match):
    args = {"w_in": np.zeros((4, 2)), "w_rec": np.zeros((4, 4)), "w_out": np.zeros((1, 4)),
            "geometry": (2, 2)} | kwargs
    with pytest.raises(ValueError, match=match):
        draw_network(args.pop("w_in"), args.pop("w_rec"), args.pop("w_out"), args.pop("geometry"),
                     **args)
