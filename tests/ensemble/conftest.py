"""Runs shared by the ensemble tests: one mixed ensemble and each member trained alone."""

from __future__ import annotations

import pytest
from ensemble_helpers import mixed_configs


@pytest.fixture(scope="session")
def mixed(tmp_path_factory):
    from bimt.ensemble import train_ensemble
    from bimt.training import train

    root = tmp_path_factory.mktemp("mixed")
    configs = mixed_configs()
    ensemble = train_ensemble(configs, [root / f"member{i}" for i in range(len(configs))],
                              progress=False)
    alone = [train(c, root / f"alone{i}", progress=False) for i, c in enumerate(configs)]
    return {"configs": configs, "ensemble": ensemble, "alone": alone, "root": root}
