"""`analyze_run`: every analysis of one trained network, written to `runs/NAME/analysis.json`.

Caching. The task variance (the one costly forward pass over every task's test trials) is
kept in `cache/task_variance.safetensors`, keyed by a SHA-256 of the model's state dict and
the task list, so retraining (new weights) invalidates it. `analysis.json` itself is reused
as is when its weights hash and settings equal the requested ones. `force=True` recomputes
both.

Schema of analysis.json (version 1). Slots are hidden indices (= grid slots after all swaps,
row-major on a 2D grid); "tasks" fixes the order of every per-task list.

    schema_version  1
    bimt_version    package version that wrote the file
    run             run directory name
    weights_sha256  hash of the analysed weights (see `weights_hash`)
    settings        everything that shapes the numbers (see `default_settings`)
    tasks           [n_tasks] task names
    geometry        the model geometry's to_dict()
    task_variance   [N][n_tasks] task variance per slot
    active          [N] bool, summed task variance > settings.active_threshold
    accuracy        {primary: {task: acc}, strict: {task: acc}, mean_primary, mean_strict,
                     error (= 1 - mean_primary, the Pareto error)}
    sparsity        {active_neurons, active_connections (W_in, W, W_out),
                     active_recurrent_connections, wiring_length}
    locality        {bin_centers, bin_edges, mean_abs_w (null = empty bin), count}: mean |W_ab|
                     per distance (raw pairs: `strength_vs_distance(model)`)
    clusters        null, or {n_clusters, labels_by_slot [N] (-1 = inactive),
                     silhouette {"k": score}, preferred_task [k] names,
                     preferred_task_index [k], active_slots [n_active] (ascending),
                     normalized [n_active][n_tasks] (rows = active_slots),
                     order [n_active] slots sorted by cluster, for heat maps}
    clusters_error  null, or why no clustering was possible (e.g. < 3 active neurons)
    anatomy         null, or {positions|scatter: {isolated_fraction|cluster_size:
                     {observed, mean, std, p_value, z (null if undefined), shuffled [n]}}}
    lesions         null, or {tasks, clusters, intact {primary|strict: [n_tasks]},
                     lesioned and drop {primary|strict: [n_clusters][n_tasks]}}
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open

from bimt.analysis.accuracy import task_accuracy
from bimt.analysis.anatomy import SHUFFLE_MODES, shuffle_test
from bimt.analysis.clusters import FunctionalClusters
from bimt.analysis.lesions import cluster_lesions
from bimt.analysis.locality import strength_vs_distance
from bimt.analysis.sparsity import CONNECTION_THRESHOLD, sparsity_summary
from bimt.analysis.trials import TrialSet, model_device
from bimt.analysis.variance import ACTIVE_THRESHOLD, active_neurons, task_variance
from bimt.training.atomic import write_safetensors_atomic, write_text_atomic
from bimt.training.rundir import load_run

SCHEMA_VERSION = 1
ANALYSIS_FILE = "analysis.json"
CACHE_DIR = "cache"
TV_CACHE_FILE = "task_variance.safetensors"


def _version() -> str:
    import bimt

    return str(getattr(bimt, "__version__", "unknown"))


def default_settings(tasks: list[str], n_shuffles: int = 10_000) -> dict[str, Any]:
    """Every choice that shapes the numbers of analysis.json (saved with them)."""
    return {
        "tasks": list(tasks),
        "active_threshold": ACTIVE_THRESHOLD,
        "connection_threshold": CONNECTION_THRESHOLD,
        "clusters": {"k_min": 2, "k_max": 29, "n_init": 20, "random_state": 0, "normalize": "max"},
        "shuffles": {"n_shuffles": n_shuffles, "modes": list(SHUFFLE_MODES), "seed": 0},
        "locality_bins": "lattice",
    }


def weights_hash(model: torch.nn.Module) -> str:
    """SHA-256 over the state dict (names, dtypes, shapes, bytes), in name order."""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        t = tensor.detach().to("cpu").contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _jsonable(obj: Any) -> Any:
    """numpy scalars/arrays to Python, NaN/inf to None, so the file is strict JSON."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _load_tv_cache(path: Path, key: str) -> np.ndarray | None:
    if not path.is_file():
        return None
    try:
        with safe_open(path, framework="np") as f:
            if (f.metadata() or {}).get("key") != key:
                return None
            return f.get_tensor("task_variance")
    except (OSError, ValueError, KeyError):  # unreadable or foreign: recompute
        return None


def analyze_model(
    model: torch.nn.Module,
    suite: Any,
    settings: dict[str, Any],
    *,
    tv: np.ndarray | None = None,
) -> dict[str, Any]:
    """All analyses of one network (the body of analysis.json minus the run metadata).

    `tv` [N, n_tasks]: a precomputed task variance (e.g. from the cache).
    """
    tasks = settings["tasks"]
    trials = TrialSet(suite, tasks, device=model_device(model))
    if tv is None:
        tv = task_variance(model, suite, trials=trials)
    active = active_neurons(tv, settings["active_threshold"])
    accuracy = task_accuracy(model, suite, trials=trials)
    mean_p = float(np.mean([accuracy["primary"][t] for t in tasks]))
    mean_s = float(np.mean([accuracy["strict"][t] for t in tasks]))

    out: dict[str, Any] = {
        "tasks": tasks,
        "geometry": model.geometry.to_dict(),
        "task_variance": tv,
        "active": active,
        "accuracy": {
            **accuracy,
            "mean_primary": mean_p,
            "mean_strict": mean_s,
            "error": 1.0 - mean_p,
        },
        "sparsity": sparsity_summary(
            model,
            tv,
            active_threshold=settings["active_threshold"],
            connection_threshold=settings["connection_threshold"],
        ),
        "locality": strength_vs_distance(model, bins=settings["locality_bins"]).to_dict(),
        "clusters": None,
        "clusters_error": None,
        "anatomy": None,
        "lesions": None,
    }

    c = settings["clusters"]
    slots = np.flatnonzero(active)
    fc = FunctionalClusters(
        k_range=range(c["k_min"], c["k_max"] + 1),
        n_init=c["n_init"],
        random_state=c["random_state"],
        normalize=c["normalize"],
    )
    try:
        fc.fit(tv[slots])
    except ValueError as exc:
        out["clusters_error"] = str(exc)
        return out
    labels = np.full(tv.shape[0], -1, dtype=np.int64)
    labels[slots] = fc.labels_
    out["clusters"] = {
        "n_clusters": fc.n_clusters_,
        "labels_by_slot": labels,
        "silhouette": {str(k): v for k, v in sorted(fc.silhouette_scores_.items())},
        "preferred_task": [tasks[i] for i in fc.preferred_task_],
        "preferred_task_index": fc.preferred_task_,
        "active_slots": slots,
        "normalized": fc.normalized_,
        "order": slots[fc.order_],
    }
    s = settings["shuffles"]
    out["anatomy"] = {
        mode: {
            name: r.to_dict()
            for name, r in shuffle_test(
                labels, model.geometry, s["n_shuffles"], mode=mode, seed=s["seed"]
            ).items()
        }
        for mode in s["modes"]
    }
    out["lesions"] = cluster_lesions(model, suite, labels, trials=trials, intact=accuracy).to_dict()
    return out


def analyze_run(
    run_dir: str | Path,
    *,
    n_shuffles: int = 10_000,
    force: bool = False,
    device: str | torch.device = "cpu",
) -> dict[str, Any]:
    """Analyse the run in `run_dir`, write `analysis.json` there, and return its contents.

    Reuses the cached task variance and an up-to-date analysis.json unless `force`.
    """
    if isinstance(n_shuffles, bool) or not isinstance(n_shuffles, int) or n_shuffles < 1:
        raise ValueError(f"n_shuffles must be an int >= 1, got {n_shuffles!r}")
    run = load_run(run_dir)
    model = run.model(device=device)
    suite = run.suite()
    digest = weights_hash(model)
    # A run trained on a subset of its suite is analysed on that subset only.
    tasks = list(run.config.tasks or suite.task_names)
    settings = default_settings(tasks, n_shuffles)
    path = Path(run.path)
    out_file = path / ANALYSIS_FILE

    if not force and out_file.is_file():
        try:
            old = json.loads(out_file.read_text())
        except json.JSONDecodeError:
            old = {}
        if (
            old.get("schema_version") == SCHEMA_VERSION
            and old.get("weights_sha256") == digest
            and old.get("settings") == settings
        ):
            return old

    cache_file = path / CACHE_DIR / TV_CACHE_FILE
    key = hashlib.sha256(f"{digest}|{json.dumps(settings['tasks'])}".encode()).hexdigest()
    tv = None if force else _load_tv_cache(cache_file, key)
    if tv is None:
        tv = task_variance(model, suite, settings["tasks"])
        cache_file.parent.mkdir(exist_ok=True)
        write_safetensors_atomic(
            cache_file,
            {"task_variance": torch.from_numpy(np.ascontiguousarray(tv))},
            metadata={"key": key, "weights_sha256": digest, "tasks": json.dumps(settings["tasks"])},
        )

    body = analyze_model(model, suite, settings, tv=tv)
    result = _jsonable(
        {
            "schema_version": SCHEMA_VERSION,
            "bimt_version": _version(),
            "run": path.name,
            "weights_sha256": digest,
            "settings": settings,
            **body,
        }
    )
    write_text_atomic(out_file, json.dumps(result, allow_nan=False) + "\n")
    return result
