"""The growth movie: the network drawing at every snapshot, one frame each, as a GIF (or MP4).

Every frame uses the same width scale (each matrix's max |w| over all frames), so weights
that shrink get visibly thinner and the network is seen to thin out and rearrange as it grows.
Frames are drawn on one reused figure straight into an Agg buffer (no pyplot, no files per
frame). GIFs are written with imageio's Pillow plugin, always available; MP4 needs an ffmpeg
writer (the `imageio-ffmpeg` package), which is optional.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio.v3 as iio
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bimt.plots.layout import grid_shape
from bimt.plots.network import draw_network

MOVIE_FORMATS = (".gif", ".mp4")
# A movie frame is small (480 px), so fewer lines show the same picture; these caps keep
# ~100 frames of a 400-neuron network, dense early frames included, near a minute.
MOVIE_MIN_LINEWIDTH = 0.1
MOVIE_MAX_LINES = 6_000


@dataclass(frozen=True)
class Frame:
    """One snapshot: weights indexed by slot (w_in [N, n_in], w_rec [N, N], w_out [n_out, N])."""

    step: int
    w_in: np.ndarray
    w_rec: np.ndarray
    w_out: np.ndarray


def frames_wmax(frames: Iterable[Frame]) -> dict[str, float]:
    """Each matrix's max |w| over all frames: the fixed width scale of a movie."""
    out = {"w_in": 0.0, "w_rec": 0.0, "w_out": 0.0}
    for f in frames:
        for name in out:
            out[name] = max(out[name], float(np.abs(getattr(f, name)).max(initial=0.0)))
    return out


def check_movie_path(out: str | Path) -> Path:
    """Validate the movie's file name; MP4 is refused early when no ffmpeg writer exists."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in MOVIE_FORMATS:
        raise ValueError(f"movie file must end in one of {MOVIE_FORMATS}, got {out.name!r}")
    if suffix == ".mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
        raise ValueError(
            "writing MP4 needs an ffmpeg writer (the imageio-ffmpeg package), which is not "
            f"installed; write a GIF instead, e.g. --out {out.with_suffix('.gif')}"
        )
    return out


def render_frames(
    frames: Iterable[Frame],
    geometry: Any,
    wmax: Mapping[str, float],
    *,
    layout: str = "perspective",
    size_px: int = 480,
    min_linewidth: float = MOVIE_MIN_LINEWIDTH,
    max_lines: int | None = MOVIE_MAX_LINES,
    title: str = "",
) -> list[np.ndarray]:
    """Draw each frame on one reused figure: a list of RGB images [H, W, 3] uint8."""
    is_1d = len(grid_shape(geometry)) == 1
    dpi = 100
    w_in_px, h_px = (size_px * 2, size_px) if is_1d else (size_px, size_px)
    fig = Figure(figsize=(w_in_px / dpi, h_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.90))
    images = []
    for f in frames:
        ax.clear()
        draw_network(f.w_in, f.w_rec, f.w_out, geometry, ax=ax, layout=layout, wmax=wmax,
                     min_linewidth=min_linewidth, max_lines=max_lines)
        ax.set_title(f"{title + '  ' if title else ''}step {f.step}", fontsize=10)
        canvas.draw()
        images.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    return images


def write_movie(images: Sequence[np.ndarray], out: str | Path, fps: float = 10.0) -> Path:
    """Write RGB frames [H, W, 3] as a looping GIF or an MP4 (chosen by the file suffix)."""
    out = check_movie_path(out)
    if fps <= 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    if not images:
        raise ValueError("a movie needs at least one frame")
    out.parent.mkdir(parents=True, exist_ok=True)
    stack = np.stack(images)
    if out.suffix.lower() == ".gif":
        iio.imwrite(out, stack, plugin="pillow", duration=1000.0 / fps, loop=0)
    else:  # pragma: no cover - needs the optional imageio-ffmpeg package
        import imageio.v2 as iio2

        iio2.mimwrite(out, stack, fps=fps)
    return out


def growth_movie(
    frames: Sequence[Frame],
    geometry: Any,
    out: str | Path,
    *,
    fps: float = 10.0,
    layout: str = "perspective",
    size_px: int = 480,
    min_linewidth: float = MOVIE_MIN_LINEWIDTH,
    max_lines: int | None = MOVIE_MAX_LINES,
    title: str = "",
) -> Path:
    """Render `frames` (in order) with a fixed width scale and write them to `out`."""
    out = check_movie_path(out)
    wmax = frames_wmax(frames)
    images = render_frames(frames, geometry, wmax, layout=layout, size_px=size_px,
                           min_linewidth=min_linewidth, max_lines=max_lines, title=title)
    return write_movie(images, out, fps=fps)
