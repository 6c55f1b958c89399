"""The packed layout of padded batches, on hand-built cases."""

import pytest
import torch

from bimt.model.packing import Packing, group_by_lengths, stack_groups


def test_hand_built_packing():
    # rows 0, 1, 2 run 2, 0, 3 steps: sorted (stable, descending) rows 2, 0, 1
    pk = Packing.of(torch.tensor([[2, 0, 3]]), 1, 3, 3)
    assert pk.counts == [2, 2, 1] and pk.offsets == [0, 2, 4, 5] and pk.rows == 5
    # packed rows: (t0, row 2), (t0, row 0), (t1, row 2), (t1, row 0), (t2, row 2)
    assert pk.index.tolist() == [2, 0, 5, 3, 8]
    # the same trial one step earlier, for the rows of steps t >= 1
    assert pk.previous_rows().tolist() == [0, 1, 2]
    x = torch.arange(9.0).view(1, 3, 3, 1)  # value = 3·t + row
    packed = pk.pack(x)
    assert packed.flatten().tolist() == [2.0, 0.0, 5.0, 3.0, 8.0]
    back = pk.unpack(packed, fill=torch.tensor([[-1.0]]))
    valid = torch.tensor([[1, 0, 1], [1, 0, 1], [0, 0, 1]], dtype=torch.bool)
    assert torch.equal(back[0, ..., 0], torch.where(valid, x[0, ..., 0], -1.0))
    assert torch.equal(pk.unpack(packed)[0, ..., 0], torch.where(valid, x[0, ..., 0], 0.0))


def test_no_padding_packs_as_a_view():
    for lengths in (None, torch.full((2, 4), 5)):
        pk = Packing.of(lengths, 2, 5, 4)
        x = torch.randn(2, 5, 4, 3)
        assert pk.index is None and pk.pack(x).data_ptr() == x.data_ptr()
        assert pk.previous_rows() == slice(0, 16)
        assert torch.equal(pk.unpack(pk.pack(x)), x)


def test_networks_share_a_packing_only_with_equal_sorted_lengths():
    pk = Packing.of(torch.tensor([[1, 3], [3, 1]]), 2, 3, 2)  # same lengths, other order
    # network 0: rows (t0: 1, 0), (t1: 1), (t2: 1); network 1, offset by T·B = 6: rows 0, 1, 0, 0
    assert pk.index.tolist() == [1, 0, 2 + 1, 4 + 1, 6 + 0, 6 + 1, 6 + 2 + 0, 6 + 4 + 0]
    with pytest.raises(ValueError, match="group_by_lengths"):
        Packing.of(torch.tensor([[1, 3], [2, 3]]), 2, 3, 2)
    groups = group_by_lengths(torch.tensor([[1, 3], [2, 3], [3, 1], [0, 0]]))
    assert groups == [[0, 2], [1], [3]]
    parts = [torch.tensor([0.0, 2.0]), torch.tensor([1.0]), torch.tensor([3.0])]
    assert stack_groups(parts, groups).tolist() == [0.0, 1.0, 2.0, 3.0]
