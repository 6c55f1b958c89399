from __future__ import annotations

import numpy as np
import pytest

from bimt.plots.lesions import lesion_matrix


def test_lesion_matrix_is_clusters_by_tasks(tmp_path, write_png):
    drop = np.array([[0.5, 0.0, -0.1], [0.0, 0.9, 0.0]])
    fig = lesion_matrix(drop, ["go", "anti", "dms"])
    ax = fig.axes[0]
    im = ax.images[0]
    np.testing.assert_array_equal(np.asarray(im.get_array()), drop)
    assert im.get_clim() == (-0.9, 0.9)  # centred at 0
    assert [t.get_text() for t in ax.get_xticklabels()] == ["go", "anti", "dms"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2"]
    write_png(fig, tmp_path / "lesion.png")
    with pytest.raises(ValueError, match="2 names for 3"):
        lesion_matrix(drop, ["go", "anti"])
