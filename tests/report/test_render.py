"""The report renderers on hand-made blocks: escaping, embedding, relative links."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from bimt.report.render import (
    Banner,
    Bullets,
    FigureBlock,
    Heading,
    Links,
    Para,
    Table,
    to_html,
    to_markdown,
)


def _png(path: Path) -> Path:
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot(np.arange(3))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path


def _blocks(png: Path) -> list:
    return [
        Heading(1, "Report <1>", "top"),
        Banner("QUICK SCALE", "only 2,000 steps & one seed"),
        Para("a < b", strong=True),
        Table(["claim", "measured", "verdict"],
              [["1", "p | q", "holds"], ["2", "x", "does not hold"], ["3", "y", "partly"]],
              verdict_col=2, caption="summary"),
        Bullets(["first", "second <li>"]),
        Links("Evidence", [("fig-a", "exp/a")]),
        FigureBlock(png, "fig-a", "Fig. 1a: exp/a", "a caption"),
    ]


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    png = _png(tmp_path / "figures" / "exp" / "a.png")
    text = to_html(_blocks(png), "t")
    assert text.count("data:image/png;base64,") == 1
    data = text.split("data:image/png;base64,")[1].split('"')[0]
    assert base64.b64decode(data) == png.read_bytes()
    assert "Report &lt;1&gt;" in text and "a &lt; b" in text and "second &lt;li&gt;" in text
    assert '<td class="v-holds">holds</td>' in text
    assert '<td class="v-fails">does not hold</td>' in text
    assert '<td class="v-partly">partly</td>' in text
    assert '<a href="#fig-a">exp/a</a>' in text and 'id="fig-a"' in text
    assert '<div class="banner">' in text and "<style>" in text
    assert "http" not in text and "<script" not in text


def test_markdown_links_figures_relatively_and_escapes_pipes(tmp_path: Path) -> None:
    png = _png(tmp_path / "figures" / "exp" / "a.png")
    md = to_markdown(_blocks(png), tmp_path)
    assert "![Fig. 1a: exp/a](figures/exp/a.png)" in md
    assert "| 1 | p \\| q | **holds** |" in md
    assert "> **QUICK SCALE**" in md
    assert "[exp/a](#fig-a)" in md
    assert "base64" not in md
