"""Connection strength against distance, and the sparsity summary, on hand-set weights."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from bimt.analysis.locality import strength_vs_distance
from bimt.analysis.sparsity import sparsity_summary
from bimt.model import Grid2D, SpatialRNN


def grid_net():
    """3×3 grid; |W_ab| = 10 + (grid steps between a and b), signs alternating."""
    model = SpatialRNN(2, 2, Grid2D(3, 3))
    steps = model.distance.double() * 3
    sign = torch.where(torch.arange(81).reshape(9, 9) % 2 == 0, 1.0, -1.0)
    with torch.no_grad():
        model.w_rec.copy_(((10 + steps) * sign).float())
    return model


def test_lattice_bins_one_per_distance():
    prof = strength_vs_distance(grid_net())
    cells = list(itertools.product(range(3), range(3)))
    pairs = [abs(r - rr) + abs(c - cc) for (r, c), (rr, cc) in itertools.permutations(cells, 2)]
    np.testing.assert_allclose(prof.bin_centers, np.arange(1, 5) / 3, atol=1e-6)
    np.testing.assert_array_equal(prof.count, np.bincount(pairs)[1:])
    np.testing.assert_allclose(prof.mean_abs_w, 10 + np.arange(1, 5), rtol=1e-6)
    assert prof.distance.size == prof.abs_w.size == 72  # autapses left out
    np.testing.assert_allclose(prof.bin_edges, (np.arange(1, 6) - 0.5) / 3, atol=1e-6)


def test_autapses_and_explicit_bins():
    prof = strength_vs_distance(grid_net(), include_self=True)
    assert prof.count[0] == 9 and prof.mean_abs_w[0] == pytest.approx(10.0)
    # Two bins [0, 0.5), [0.5, 1.5]: distances 1/3 | 2/3, 1, 4/3.
    prof = strength_vs_distance(grid_net(), bins=[0.0, 0.5, 1.5])
    np.testing.assert_array_equal(prof.count, [24, 48])
    assert prof.mean_abs_w[0] == pytest.approx(11.0)
    d = strength_vs_distance(grid_net(), bins=4).to_dict()
    assert len(d["mean_abs_w"]) == 4 and sum(d["count"]) == 72


def test_bad_bins():
    with pytest.raises(ValueError, match="lattice"):
        strength_vs_distance(grid_net(), bins="log")
    with pytest.raises(ValueError, match="increasing"):
        strength_vs_distance(grid_net(), bins=[1.0, 0.0])
    with pytest.raises(ValueError, match=">= 1"):
        strength_vs_distance(grid_net(), bins=0)


def test_sparsity_summary_counts_by_hand():
    model = SpatialRNN(2, 2, Grid2D(2, 2))
    with torch.no_grad():
        for p in (model.w_in, model.w_rec, model.w_out):
            p.fill_(0.005)  # below the 1e-2 threshold
        model.w_rec[0, 3] = 0.5  # diagonal neighbours: distance 2 steps / 2 = 1.0
        model.w_rec[1, 0] = -0.02  # distance 0.5
        model.w_rec[2, 2] = 1.0  # autapse: active, length 0
        model.w_in[0, 0] = 0.3
    tv = np.array([[1e-3, 1e-3], [0.0, 5e-4], [2e-3, 0.0], [0.0, 0.0]])
    got = sparsity_summary(model, tv)
    assert got == {
        "active_neurons": 2,
        "active_connections": 4,
        "active_recurrent_connections": 3,
        "wiring_length": pytest.approx(1.5),
    }
