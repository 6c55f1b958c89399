"""`Batch`: one padded, masked batch of whole trials (time-major)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch


@dataclass(frozen=True)
class Batch:
    """A batch of whole trials, every row starting at t = 0, padded to the longest row.

    Attributes:
        inputs: [T, B, n_in] float32 tensor; zero on padding.
        labels: [T, B] int64 tensor; 0 (fixate) outside `decision` and on padding.
        mask: [T, B] bool tensor; False on padding.
        task: [B] int64 tensor; index of each row's task in the suite's `task_names`.
        length: [B] int64 array; valid steps per row.
        periods: period name -> [B, 2] int64 array of (start, end) steps; a period a row does
            not have has start == end.
        params: parameter name -> [B] array (trial parameters such as `target`, `modality`);
            -1 (integer keys) or NaN (float keys) where a key does not apply to a row.
    """

    inputs: torch.Tensor
    labels: torch.Tensor
    mask: torch.Tensor
    task: torch.Tensor
    length: np.ndarray
    periods: dict[str, np.ndarray]
    params: dict[str, np.ndarray]

    @property
    def batch_size(self) -> int:
        """Number of rows B."""
        return int(self.task.shape[0])

    @property
    def n_steps(self) -> int:
        """Padded number of time steps T."""
        return int(self.inputs.shape[0])

    def to(self, device: str | torch.device) -> Batch:
        """The same batch with its tensors on `device` (numpy fields are shared)."""
        return replace(
            self,
            inputs=self.inputs.to(device),
            labels=self.labels.to(device),
            mask=self.mask.to(device),
            task=self.task.to(device),
        )

    def rows(self, index: np.ndarray) -> Batch:
        """A sub-batch of the rows `index` (int or bool array [B]), trimmed to its longest row."""
        idx = np.flatnonzero(index) if np.asarray(index).dtype == bool else np.asarray(index)
        length = self.length[idx]
        t_max = int(length.max()) if len(idx) else 0
        tidx = torch.as_tensor(idx, dtype=torch.long, device=self.inputs.device)
        return Batch(
            inputs=self.inputs[:t_max, tidx],
            labels=self.labels[:t_max, tidx],
            mask=self.mask[:t_max, tidx],
            task=self.task[tidx],
            length=length,
            periods={k: v[idx] for k, v in self.periods.items()},
            params={k: v[idx] for k, v in self.params.items()},
        )
