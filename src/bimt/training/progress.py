"""A rich progress bar showing the training loss and the latest mean accuracy."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class TrainProgress:
    """No-op when disabled; otherwise a bar on stderr, refreshed a few times a second."""

    def __init__(self, total: int, start: int, *, enabled: bool, label: str = "train") -> None:
        self._progress: Progress | None = None
        if not enabled:
            return
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}  acc {task.fields[acc]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            refresh_per_second=4,
        )
        self._task = self._progress.add_task(label, total=total, completed=start, loss="-",
                                             acc="-")
        self._progress.start()

    def update(self, done: int, loss: float, acc: float | None) -> None:
        if self._progress is None:
            return
        self._progress.update(self._task, completed=done, loss=f"{loss:.4f}",
                              acc="-" if acc is None else f"{acc:.3f}")

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
