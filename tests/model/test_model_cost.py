"""Connection cost, wiring length and active connections on a hand-built network."""

import pytest
import torch

from bimt.model import (
    Grid2D,
    SpatialRNN,
    active_connections,
    connection_cost,
    wiring_cost,
    wiring_length,
)


def _hand_built() -> SpatialRNN:
    # 2×2 grid, scale 2: slots 0 (0,0), 1 (0,1), 2 (1,0), 3 (1,1);
    # D01 = D02 = D13 = D23 = 1/2, D03 = D12 = 1.
    m = SpatialRNN(1, 1, Grid2D(2, 2)).double()
    with torch.no_grad():
        m.w_rec.copy_(torch.tensor([[1.0, -2, 0, 0.5], [0, 0, 3, 0], [0, 0, 0, 0], [-1, 0, 0, 0]]))
        m.w_in.copy_(torch.tensor([[1.0], [-1], [0], [2]]))
        m.b_rec.copy_(torch.tensor([0.5, 0, 0, 0]))
        m.w_out.copy_(torch.tensor([[1.0, 0, 0, -3]]))
        m.b_out.copy_(torch.tensor([-0.25]))
    return m


def test_cost_by_hand():
    m = _hand_built()
    # L1: |W| 7.5 + |W_in| 4 + |b_rec| 0.5 + |W_out| 4 + |b_out| 0.25 = 16.25
    # Σ D|W|: W01 2·½ + W03 0.5·1 + W12 3·1 + W30 1·1 + W00 1·0 = 5.5
    assert connection_cost(m, 0.0).item() == pytest.approx(16.25)
    assert connection_cost(m, 2.0).item() == pytest.approx(16.25 + 2 * 5.5)
    assert wiring_cost(m).item() == pytest.approx(5.5)


def test_cost_gradient_is_sign_times_distance_weight():
    m = _hand_built()
    connection_cost(m, 2.0).backward()
    expected = torch.sign(m.w_rec.detach()) * (1 + 2.0 * m.distance)
    torch.testing.assert_close(m.w_rec.grad, expected)
    assert m.w_rec.grad[2].abs().sum() == 0  # zero weights get a zero subgradient
    torch.testing.assert_close(m.b_rec.grad, torch.tensor([1.0, 0, 0, 0], dtype=torch.float64))
    torch.testing.assert_close(m.w_out.grad, torch.tensor([[1.0, 0, 0, -1]], dtype=torch.float64))


def test_wiring_length_and_active_connections_by_hand():
    m = _hand_built()
    # active recurrent entries: W00 (D 0), W01 (½), W03 (1), W12 (1), W30 (1)
    assert wiring_length(m) == pytest.approx(3.5)
    assert wiring_length(m, threshold=0.75) == pytest.approx(2.5)  # drops W03
    assert wiring_length(m, threshold=5.0) == 0.0
    assert active_connections(m) == 5 + 3 + 2
    assert active_connections(m, which="recurrent") == 5
    assert active_connections(m, threshold=1.5) == 2 + 1 + 1  # W01, W12; w_in 2; w_out 3


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda m: connection_cost(m, -1.0), "A must be"),
        (lambda m: connection_cost(m, float("inf")), "A must be"),
        (lambda m: wiring_length(m, threshold=-0.1), "threshold"),
        (lambda m: active_connections(m, which="input"), "recurrent"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(_hand_built())
