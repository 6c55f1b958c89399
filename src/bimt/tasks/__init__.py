"""Cognitive task suites (Yang-2019 "20-Cog" via neurogym `yang19`, and Mod-Cog), vectorised.

    suite = make_suite("cog20")            # or "modcog", "modcog-all", or a list of names
    batch = suite.sample(64, seed=0)       # Batch: inputs [T, B, n_in], labels, mask, ...
"""

from bimt.tasks.batch import Batch
from bimt.tasks.cog20 import COG20, PROFILES, YANG_ALIASES
from bimt.tasks.modcog import MODCOG82, MODCOG93
from bimt.tasks.scoring import correct
from bimt.tasks.suite import SUITES, TaskSuite, make_suite, resolve_name

__all__ = [
    "COG20",
    "MODCOG82",
    "MODCOG93",
    "PROFILES",
    "SUITES",
    "YANG_ALIASES",
    "Batch",
    "TaskSuite",
    "correct",
    "make_suite",
    "resolve_name",
]
