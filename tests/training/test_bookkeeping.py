"""The bookkeeping both trainers share, on hand-built cases."""

from pathlib import Path

import pytest
import torch
from tiny_configs import tiny

from bimt.training.bookkeeping import (
    NonFinite,
    count_step,
    diverged_message,
    due,
    fresh_counters,
    summary,
    torch_threads,
    window_mean,
)


def test_due_every_interval_and_always_at_the_end():
    assert [d for d in range(1, 11) if due(d, 4, 10)] == [4, 8, 10]
    assert [d for d in range(1, 11) if due(d, 0, 10)] == [10]  # 0 = never, but the end


def test_counters_window_and_summary():
    c = fresh_counters()
    assert window_mean(c, "window_loss") is None
    count_step(c, 2.0, 1.0, 0.5)
    count_step(c, 4.0, 3.0, 1.5)
    assert window_mean(c, "window_loss") == 3.0 and window_mean(c, "window_ce") == 2.0
    cfg = tiny(steps=8)
    row = {k: i for i, k in enumerate(("mean_accuracy", "mean_strict_accuracy", "accuracy",
                                       "strict_accuracy", "eval_loss", "cost", "wiring_length",
                                       "active_connections", "active_recurrent", "swaps"))}
    s = summary(cfg, {**row, "step": 8}, c, wall=9.0)
    assert s["steps_per_second"] == 8 / 2.0 and s["train_time_s"] == 2.0
    assert s["config_hash"] == cfg.config_hash() and "step" not in s


def test_diverged_message_names_step_quantity_and_checkpoint():
    cfg = tiny(lr=0.5)
    msg = diverged_message(NonFinite("the cross-entropy", float("nan")), 7, cfg, Path("r"), 5)
    assert "step 7" in msg and "cross-entropy is nan" in msg and "(step 5)" in msg
    assert "lr (now 0.5)" in msg
    assert "no checkpoint" in diverged_message(NonFinite("x", 1.0), 1, cfg, Path("r"), 0)


def test_torch_threads_sets_and_restores():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    for bad in (0, True, 1.5):
        with (pytest.raises(ValueError, match="threads must be None or an integer >= 1"),
              torch_threads(bad)):
            pass
