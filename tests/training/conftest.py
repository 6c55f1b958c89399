"""Fixtures of the training tests."""

from __future__ import annotations

import pytest
from tiny_configs import tiny


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory):
    """One uninterrupted tiny BIMT run, shared by the tests that compare against it."""
    from bimt.training import train

    return train(tiny(), tmp_path_factory.mktemp("ref") / "run", progress=False)
