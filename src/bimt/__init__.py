"""bimt: grow brain-like recurrent networks with brain-inspired modular training (BIMT).

The public API, in the order data flows: tasks -> model -> training -> analysis -> plots.
"""

from bimt.tasks import Batch, TaskSuite, make_suite

__all__ = [
    "Batch",
    "TaskSuite",
    "make_suite",
]

__version__ = "0.1.0"
