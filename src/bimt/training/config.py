"""TrainConfig: every choice a training run makes, flat, validated, saved with the run.

The defaults are the paper's headline run (Fig. 1): the 20 cognitive tasks, a 20×20 grid,
ReLU, BIMT with A = 1 and a constant λ = 1e-5, Adam at lr 1e-3, swaps every 200 steps with
top-k 30. What the paper does not state follows DECISIONS.md and bimt-spec §3.3, and:

- ``steps = 20000``: the headline run passes 90% mean accuracy near step 3k and plateaus at
  0.93–0.96 from about 7k, while the wiring cost keeps pruning until 20k (BENCHMARKS.md,
  Training); about 17 minutes on one core of a shared 2-core CPU.
- ``batch_size = 64``: Yang et al.'s batch.
- ``eval_every = 500``, ``eval_trials = 128`` per task: 41 evaluations of 2,560 held-out
  trials, a few percent of the run's time; a task's accuracy resolves 1/128.
- ``checkpoint_every = 1000``: a crash loses under a minute of training.
- ``snapshot_every = 500``: 41 float16 snapshots, 0.37 MB each (15 MB) for the movie.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bimt.training.errors import ConfigError
from bimt.training.schedule import SCHEDULES

METHODS = ("bimt", "l1", "none")
# (lam, A) used when the config leaves them as None.
METHOD_DEFAULTS: dict[str, tuple[float, float]] = {
    "bimt": (1e-5, 1.0),
    "l1": (1e-5, 0.0),
    "none": (0.0, 0.0),
}
GEOMETRIES = ("2d", "1d")
ACTIVATIONS = ("relu", "softplus", "tanh")
PROFILES = ("paper", "neurogym-2.3")
FALLBACK_SUITES = ("cog20", "modcog", "modcog-all")


def _help(text: str, default: Any) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True)
class TrainConfig:
    """A fully resolved training configuration (frozen; validated on construction).

    ``lam`` and ``A`` given as None resolve to the method's defaults, and ``swap_every`` is
    forced to 0 when ``A == 0``, so a saved config always shows the values actually used.
    """

    suite: str = _help("task suite: cog20 (the 20 tasks), modcog, modcog-all", "cog20")
    tasks: tuple[str, ...] | None = _help("train and evaluate on these tasks of the suite only "
                                          "(None = all; the input keeps every rule unit)", None)
    profile: str = _help("task semantics: paper (neurogym 2020-2025) or neurogym-2.3", "paper")
    dt: int = _help("time step of the tasks in ms", 100)
    dim_ring: int = _help("units per input/output ring", 16)
    geometry: str = _help("hidden layout: 2d (square grid) or 1d (line)", "2d")
    n_hidden: int = _help("hidden neurons (2d: a perfect square, 400 = 20x20)", 400)
    activation: str = _help("hidden nonlinearity: relu, softplus or tanh", "relu")
    alpha: float = _help("leak: h <- (1-alpha) h + alpha phi(...); 1.0 = no leak (eq. 1)", 1.0)
    method: str = _help("regulariser: bimt (distance cost + swaps), l1, none", "bimt")
    lam: float | None = _help("connection-cost strength λ (None: bimt/l1 1e-5, none 0)", None)
    A: float | None = _help("distance weight A of eq. 2 (None: bimt 1, l1/none 0)", None)
    schedule: str = _help("λ schedule: constant, or three-phase (λ, 10λ, λ over thirds)",
                          "constant")
    steps: int = _help("optimizer steps", 20000)
    batch_size: int = _help("trials per batch (tasks mixed uniformly)", 64)
    lr: float = _help("Adam learning rate", 1e-3)
    swap_every: int = _help("neuron relocation every this many steps (0 = off; 0 when A = 0)",
                            200)
    top_k: int = _help("relocation candidates per relocation (most important slots)", 30)
    permute_optimizer: bool = _help("permute Adam's moments with swapped neurons", True)
    eval_every: int = _help("evaluate every this many steps (also at 0 and the end; 0 = end)",
                            500)
    eval_trials: int = _help("held-out trials per task for evaluation", 128)
    checkpoint_every: int = _help("checkpoint every this many steps (0 = only at the end)", 1000)
    snapshot_every: int = _help("weight snapshot for the growth movie every this many steps "
                                "(0 = off)", 500)
    fix_weight: float = _help("cross-entropy weight of the fixation class (class 0)", 1.0)
    grad_clip: float | None = _help("clip the global gradient norm to this (None = off)", None)
    seed: int = _help("the run's one seed (weights, batches, evaluation set)", 0)
    device: str = _help("torch device: cpu, cuda, cuda:N, mps", "cpu")

    def __post_init__(self) -> None:
        self.validate()

    # ---------------------------------------------------------------- validation

    def validate(self) -> None:
        """Check every field; normalise ints given for float fields; resolve method defaults.

        Raises ConfigError naming the field, the bad value and the accepted values.
        """
        if isinstance(self.tasks, list):
            object.__setattr__(self, "tasks", tuple(self.tasks))  # from JSON/TOML lists
        for f in dataclasses.fields(self):
            _check_type(f.name, getattr(self, f.name), f.type)
            if f.type in ("float", "float | None") and getattr(self, f.name) is not None:
                object.__setattr__(self, f.name, float(getattr(self, f.name)))

        _choice("suite", self.suite, known_suites())
        if self.tasks is not None:
            bad = [t for t in self.tasks if not isinstance(t, str) or not t]
            if not self.tasks or bad or len(set(self.tasks)) != len(self.tasks):
                raise ConfigError(f"tasks: {self.tasks!r} is invalid; expected None or a "
                                  f"non-empty list of distinct task names of the suite")
        _choice("profile", self.profile, PROFILES)
        _choice("geometry", self.geometry, GEOMETRIES)
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("method", self.method, METHODS)
        _choice("schedule", self.schedule, SCHEDULES)
        _at_least("dt", self.dt, 1)
        _at_least("dim_ring", self.dim_ring, 2)
        _at_least("n_hidden", self.n_hidden, 1)
        if self.geometry == "2d":
            side = math.isqrt(self.n_hidden)
            if side * side != self.n_hidden or side < 2:
                raise ConfigError(
                    f"n_hidden: {self.n_hidden} is not a perfect square >= 4, which geometry "
                    f"'2d' needs (e.g. 400 = 20x20); use a square or geometry '1d'"
                )
        if not 0.0 < self.alpha <= 1.0:
            raise ConfigError(f"alpha: {self.alpha} is out of range; accepted: 0 < alpha <= 1")
        _at_least("steps", self.steps, 1)
        _at_least("batch_size", self.batch_size, 1)
        _positive("lr", self.lr)
        _at_least("swap_every", self.swap_every, 0)
        _at_least("top_k", self.top_k, 1)
        if self.top_k > self.n_hidden:
            raise ConfigError(
                f"top_k: {self.top_k} exceeds n_hidden ({self.n_hidden}); accepted: "
                f"1 <= top_k <= n_hidden"
            )
        _at_least("eval_every", self.eval_every, 0)
        _at_least("eval_trials", self.eval_trials, 1)
        _at_least("checkpoint_every", self.checkpoint_every, 0)
        _at_least("snapshot_every", self.snapshot_every, 0)
        _positive("fix_weight", self.fix_weight)
        if self.grad_clip is not None:
            _positive("grad_clip", self.grad_clip)
        _at_least("seed", self.seed, 0)
        _check_device(self.device)
        self._resolve_method()

    def _resolve_method(self) -> None:
        lam_default, a_default = METHOD_DEFAULTS[self.method]
        lam = lam_default if self.lam is None else self.lam
        a = a_default if self.A is None else self.A
        for name, value in (("lam", lam), ("A", a)):
            if not (math.isfinite(value) and value >= 0.0):
                raise ConfigError(f"{name}: {value} is out of range; accepted: a finite value >= 0")
        if self.method == "none" and lam != 0.0:
            raise ConfigError(f"lam: {lam} contradicts method 'none', which needs lam = 0 "
                              f"(use method 'l1' or 'bimt' for a connection cost)")
        if self.method == "none" and a != 0.0:
            raise ConfigError(f"A: {a} contradicts method 'none', which needs A = 0")
        if self.method in ("l1", "bimt") and lam == 0.0:
            raise ConfigError(f"lam: 0 contradicts method '{self.method}', which needs lam > 0 "
                              f"(use method 'none' for no regularisation)")
        if self.method == "l1" and a != 0.0:
            raise ConfigError(f"A: {a} contradicts method 'l1', which needs A = 0 "
                              f"(use method 'bimt' for a distance-weighted cost)")
        if self.method == "bimt" and a == 0.0:
            raise ConfigError("A: 0 contradicts method 'bimt', which needs A > 0 "
                              "(use method 'l1' for plain L1)")
        object.__setattr__(self, "lam", lam)
        object.__setattr__(self, "A", a)
        if a == 0.0:
            # Swaps only lower the distance term; with A = 0 they would be no-ops at best.
            object.__setattr__(self, "swap_every", 0)

    # ---------------------------------------------------------------- (de)serialisation

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_dict(cls, data: dict[str, Any], **overrides: Any) -> TrainConfig:
        """Build from a flat mapping; unknown keys raise ConfigError. Overrides win."""
        if not isinstance(data, dict):
            raise ConfigError(f"config must be a flat table of fields, got {type(data).__name__}")
        merged = {**data, **overrides}
        unknown = sorted(set(merged) - set(cls.field_names()))
        if unknown:
            raise ConfigError(
                f"unknown field(s) {', '.join(map(repr, unknown))}; accepted fields: "
                f"{', '.join(cls.field_names())}"
            )
        return cls(**merged)

    @classmethod
    def from_toml(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        """Read a flat TOML file of fields (missing fields keep their defaults)."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        return cls.from_dict(data, **overrides)

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        return cls.from_dict(json.loads(text))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    def to_toml(self) -> str:
        """TOML text of the config (None values are left out: they are the default)."""
        import tomli_w

        return tomli_w.dumps({k: v for k, v in self.to_dict().items() if v is not None})

    def config_hash(self) -> str:
        """sha256 (hex, first 16 chars) of the canonical JSON of every field."""
        canon = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canon.encode()).hexdigest()[:16]

    def diff(self, other: TrainConfig) -> dict[str, tuple[Any, Any]]:
        """Fields whose values differ: name -> (self's, other's)."""
        a, b = self.to_dict(), other.to_dict()
        return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


# -------------------------------------------------------------------- helpers


def known_suites() -> tuple[str, ...]:
    """Suite names bimt.tasks can build (its registry when it exposes one)."""
    try:
        from bimt import tasks
    except ImportError:
        return FALLBACK_SUITES
    for attr in ("SUITES", "SUITE_NAMES"):
        names = getattr(tasks, attr, None)
        if names:
            return tuple(names)
    return FALLBACK_SUITES


_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "float | None": (int, float, type(None)),
    "tuple[str, ...] | None": (tuple, type(None)),
}


def _check_type(name: str, value: Any, annotation: Any) -> None:
    accepted = _TYPES[str(annotation)]
    # bool is an int subclass: a True for an int or float field is a mistake, not a 1.
    wrong_bool = isinstance(value, bool) and bool not in accepted
    if wrong_bool or not isinstance(value, accepted):
        want = str(annotation).replace("float", "number").replace("tuple[str, ...]",
                                                                   "a list of names")
        raise ConfigError(f"{name}: {value!r} has type {type(value).__name__}; expected {want}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{name}: {value!r} is not finite; expected a finite number")


def _choice(name: str, value: str, accepted: tuple[str, ...]) -> None:
    if value not in accepted:
        raise ConfigError(f"{name}: unknown value {value!r}; accepted: {', '.join(accepted)}")


def _at_least(name: str, value: int, low: int) -> None:
    if value < low:
        raise ConfigError(f"{name}: {value} is out of range; accepted: an integer >= {low}")


def _positive(name: str, value: float) -> None:
    if not value > 0.0:
        raise ConfigError(f"{name}: {value} is out of range; accepted: a finite number > 0")


def _check_device(device: str) -> None:
    import torch

    try:
        dev = torch.device(device)
    except (RuntimeError, ValueError):
        raise ConfigError(
            f"device: {device!r} is not a torch device; accepted: cpu, cuda, cuda:N, mps"
        ) from None
    if dev.type == "cpu":
        return
    if dev.type == "cuda":
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if n == 0 or (dev.index is not None and dev.index >= n):
            raise ConfigError(f"device: {device!r} is not available here ({n} CUDA devices); "
                              f"use device 'cpu'")
        return
    if dev.type == "mps":
        if not torch.backends.mps.is_available():
            raise ConfigError(f"device: {device!r} is not available here; use device 'cpu'")
        return
    raise ConfigError(f"device: {device!r} is not supported; accepted: cpu, cuda, cuda:N, mps")
