"""Ensembles: K independent networks trained as one stack of batched products.

```python
groups = pack_configs(configs, max_k=8)            # [[0, 2, 5], [1, 3], ...] compatible groups
runs = train_ensemble([configs[i] for i in g], [out / ids[i] for i in g])   # list[Run]
```

Each member's run directory is the one ``bimt.train`` would write (``load_run`` and
``bimt train --resume`` work on it); see ``trainer`` for what equality with a single run means.
"""

from bimt.ensemble.loss import member_cross_entropy
from bimt.ensemble.packing import (
    SHARED_FIELDS,
    EnsembleError,
    check_compatible,
    ensemble_key,
    pack_configs,
)
from bimt.ensemble.stacked import StackedRNN
from bimt.ensemble.trainer import train_ensemble
from bimt.model.recurrence import batched_recurrence  # the one recurrence, with a model axis

__all__ = [
    "SHARED_FIELDS",
    "EnsembleError",
    "StackedRNN",
    "batched_recurrence",
    "check_compatible",
    "ensemble_key",
    "member_cross_entropy",
    "pack_configs",
    "train_ensemble",
]
