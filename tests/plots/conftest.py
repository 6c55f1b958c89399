"""Shared helpers for the figure tests: Agg only, and a check that a figure saves as a PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _write_png(fig, path: Path) -> Path:
    """Save `fig` as PNG and check the file is a real, non-empty PNG."""
    fig.savefig(path, dpi=60)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000
    return path


@pytest.fixture
def write_png():
    """`write_png(fig, path)`: save a figure and check a non-empty PNG came out."""
    return _write_png


@pytest.fixture(autouse=True)
def _no_pyplot_figures():
    """Figure functions must not register figures with pyplot (they would leak)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before
