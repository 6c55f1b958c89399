"""Which configs may share an ensemble, and how a list of them is packed."""

from __future__ import annotations

import pytest
from ensemble_helpers import tiny

from bimt.ensemble import (
    SHARED_FIELDS,
    EnsembleError,
    check_compatible,
    pack_configs,
    train_ensemble,
)


@pytest.mark.parametrize("field,value", [("steps", 61), ("batch_size", 8), ("n_hidden", 25),
                                         ("eval_every", 10), ("activation", "tanh")])
def test_incompatible_configs_are_refused_naming_the_field(tmp_path, field, value):
    extra = {"geometry": "2d"} if field == "n_hidden" else {}
    configs = [tiny(seed=0), tiny(seed=1, **{field: value, **extra})]
    with pytest.raises(EnsembleError, match=f"'{field}'" if not extra else "'geometry'"):
        train_ensemble(configs, [tmp_path / "a", tmp_path / "b"], progress=False)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_members_may_differ_in_everything_else():
    check_compatible([tiny(seed=0), tiny(seed=3, method="l1", lr=1e-2, schedule="three-phase",
                                         swap_every=5, top_k=3, tasks=("go",), grad_clip=1.0,
                                         checkpoint_every=7, snapshot_every=0)])


def test_bad_directories_are_refused(tmp_path):
    with pytest.raises(EnsembleError, match="more than once"):
        train_ensemble([tiny(), tiny(seed=1)], [tmp_path / "a", tmp_path / "x" / ".." / "a"])
    with pytest.raises(EnsembleError, match="2 configs but 1 out_dirs"):
        train_ensemble([tiny(), tiny(seed=1)], [tmp_path / "a"])
    with pytest.raises(EnsembleError, match="at least one config"):
        train_ensemble([], [])


def _brute_force_groups(configs):
    """Indices grouped by pairwise compatibility (no keys), in first-appearance order."""
    groups: list[list[int]] = []
    for i, c in enumerate(configs):
        for g in groups:
            try:
                check_compatible([configs[g[0]], c])
            except EnsembleError:
                continue
            g.append(i)
            break
        else:
            groups.append([i])
    return groups


def test_pack_configs_groups_compatible_configs():
    configs = [tiny(seed=s, steps=60 + 10 * (s % 3), batch_size=16 if s < 9 else 8)
               for s in range(12)]
    for max_k in (1, 2, 3, 4, 8, 20):
        packs = pack_configs(configs, max_k=max_k)
        assert sorted(i for p in packs for i in p) == list(range(12))
        assert all(1 <= len(p) <= max_k for p in packs)
        for p in packs:
            check_compatible([configs[i] for i in p])
            assert p == sorted(p)
        # Exactly the brute-force groups, each cut into as few, as even packs as possible.
        for g in _brute_force_groups(configs):
            parts = [p for p in packs if p[0] in g]
            assert sorted(i for p in parts for i in p) == g
            assert len(parts) == -(-len(g) // max_k)
            assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_pack_configs_example():
    a, b = tiny(seed=0), tiny(seed=0, steps=30)
    assert pack_configs([a, b, a, a, b, a, a], max_k=3) == [[0, 2, 3], [5, 6], [1, 4]]
    assert pack_configs([], max_k=3) == []


def test_pack_configs_rejects_bad_max_k():
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_k"):
            pack_configs([tiny()], max_k=bad)
    assert "device" in SHARED_FIELDS and "seed" not in SHARED_FIELDS
