from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest

from bimt.plots import movie
from bimt.plots.movie import Frame, frames_wmax, growth_movie


def _frames(n: int, side: int = 3) -> list[Frame]:
    rng = np.random.default_rng(0)
    n_hid = side * side
    out = []
    for i in range(n):
        decay = 0.5**i  # the network thins out: later frames have weaker weights
        out.append(Frame(step=100 * i, w_in=decay * rng.normal(size=(n_hid, 2)),
                         w_rec=decay * rng.normal(size=(n_hid, n_hid)),
                         w_out=decay * rng.normal(size=(2, n_hid))))
    return out


def test_gif_has_one_frame_per_snapshot(tmp_path):
    frames = _frames(4)
    path = growth_movie(frames, (3, 3), tmp_path / "grow.gif", fps=5, size_px=120)
    images = iio.imread(path, index=None)
    assert images.shape[0] == 4
    # Frames differ (the step in the title, the thinning weights).
    assert not np.array_equal(images[0], images[-1])


def test_width_scale_is_fixed_across_frames():
    frames = _frames(3)
    wmax = frames_wmax(frames)
    # The first frame has the largest weights, so it sets every matrix's scale.
    assert wmax["w_rec"] == pytest.approx(np.abs(frames[0].w_rec).max())
    assert wmax["w_in"] == pytest.approx(np.abs(frames[0].w_in).max())


def test_mp4_without_ffmpeg_suggests_gif(tmp_path, monkeypatch):
    monkeypatch.setattr(movie.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ValueError, match=r"grow\.gif"):
        growth_movie(_frames(1), (3, 3), tmp_path / "grow.mp4")


def test_bad_movie_arguments(tmp_path):
    with pytest.raises(ValueError, match="must end in one of"):
        growth_movie(_frames(1), (3, 3), tmp_path / "grow.avi")
    with pytest.raises(ValueError, match="fps must be > 0"):
        growth_movie(_frames(1), (3, 3), tmp_path / "grow.gif", fps=0)
    with pytest.raises(ValueError, match="at least one frame"):
        growth_movie([], (3, 3), tmp_path / "grow.gif")
