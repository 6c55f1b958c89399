"""A short run on three easy tasks learns: accuracy rises far above chance."""

from __future__ import annotations

from tiny_configs import tiny

from bimt.training import train


def test_short_run_on_easy_tasks_learns(tmp_path):
    # go, rtgo, anti: the answer at the last step is one of 16 ring directions, so chance is
    # 1/16 = 0.06; an untrained network scores about that at step 0.
    cfg = tiny(n_hidden=36, batch_size=32, steps=300, lr=1e-2, eval_every=100, eval_trials=64,
               checkpoint_every=0, snapshot_every=0)
    run = train(cfg, tmp_path / "run", progress=False)
    rows = run.metrics()
    assert rows[0]["mean_accuracy"] < 0.15
    assert run.summary["mean_accuracy"] > 0.7
    assert min(run.summary["accuracy"].values()) > 0.5
    assert rows[-1]["eval_loss"] < 0.5 * rows[0]["eval_loss"]
