"""The 20 Yang-2019 tasks as neurogym's `yang19` collection defines them, per profile.

Profiles (see DECISIONS.md): "paper" = neurogym 2020–June 2025 (fixation input on until
`decision` in every family, DM-family noise on all 33 non-rule inputs, dm1 stimulus 500 ms);
"neurogym-2.3" = the June-2025 behaviour (DM/dlyDM/match fixation input only during
`fixation`, DM noise on the two rings only, dm1 stimulus in {200, 400, 600}).
"""

from __future__ import annotations

from typing import Any

from bimt.tasks.taskdef import TaskDef
from bimt.tasks.timing import Choice, Fixed, Uniform

COG20 = (
    "go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti",
    "dm1", "dm2", "ctxdm1", "ctxdm2", "multidm",
    "dlydm1", "dlydm2", "ctxdlydm1", "ctxdlydm2", "multidlydm",
    "dms", "dnms", "dmc", "dnmc",
)  # fmt: skip

PROFILES = ("paper", "neurogym-2.3")

# Yang et al. 2019 (gyyang/multitask) names for the same tasks.
YANG_ALIASES = {
    "fdgo": "go", "reactgo": "rtgo", "delaygo": "dlygo",
    "fdanti": "anti", "reactanti": "rtanti", "delayanti": "dlyanti",
    "contextdm1": "ctxdm1", "contextdm2": "ctxdm2",
    "delaydm1": "dlydm1", "delaydm2": "dlydm2",
    "contextdelaydm1": "ctxdlydm1", "contextdelaydm2": "ctxdlydm2",
    "multidelaydm": "multidlydm",
    "dmsgo": "dms", "dmsnogo": "dnms", "dmcgo": "dmc", "dmcnogo": "dnmc",
}  # fmt: skip

_DM_MODS = {
    "1": {"w_mod": (1, 1), "stim_mod": (True, False)},
    "2": {"w_mod": (1, 1), "stim_mod": (False, True)},
    "ctx1": {"w_mod": (1, 0), "stim_mod": (True, True)},
    "ctx2": {"w_mod": (0, 1), "stim_mod": (True, True)},
    "multi": {"w_mod": (1, 1), "stim_mod": (True, True)},
}
_DM_NAMES = {"dm1": "1", "dm2": "2", "ctxdm1": "ctx1", "ctxdm2": "ctx2", "multidm": "multi"}


def base_switches(base: str) -> dict[str, Any]:
    """Family and family switches of one of the 20 base tasks (flavour-independent)."""
    if base in ("go", "rtgo", "dlygo", "anti", "rtanti", "dlyanti"):
        return {"family": "reach", "anti": "anti" in base, "reaction": base.startswith("rt")}
    if base in _DM_NAMES:
        return {"family": "dm", **_DM_MODS[_DM_NAMES[base]]}
    if base.replace("dly", "") in _DM_NAMES:
        return {"family": "dlydm", **_DM_MODS[_DM_NAMES[base.replace("dly", "")]]}
    if base in ("dms", "dnms", "dmc", "dnmc"):
        return {
            "family": "match",
            "matchto": "category" if base.endswith("c") else "sample",
            "matchgo": not base.startswith("dn"),
        }
    raise KeyError(base)


def neurogym_task(name: str, profile: str) -> TaskDef:
    """One of the 20 tasks with neurogym `yang19` semantics under `profile`."""
    sw = base_switches(name)
    family = sw["family"]
    modern = profile == "neurogym-2.3"
    if family == "reach":
        if sw["reaction"]:
            timing = (("fixation", Fixed(500)), ("decision", Fixed(500)))
        else:
            delay = 500 if name.startswith("dly") else 0
            timing = (
                ("fixation", Fixed(500)),
                ("stimulus", Fixed(500)),
                ("delay", Fixed(delay)),
                ("decision", Fixed(500)),
            )
    elif family == "dm":
        stim = Choice((200, 400, 600)) if (modern and name == "dm1") else Fixed(500)
        timing = (("fixation", Uniform(200, 500)), ("stimulus", stim), ("decision", Fixed(200)))
    elif family == "dlydm":
        timing = (
            ("fixation", Uniform(200, 500)),
            ("stim1", Fixed(500)),
            ("delay", Fixed(1000)),
            ("stim2", Fixed(500)),
            ("decision", Fixed(200)),
        )
    else:
        timing = (
            ("fixation", Fixed(300)),
            ("sample", Fixed(500)),
            ("delay", Fixed(1000)),
            ("test", Fixed(500)),
            ("decision", Fixed(900)),
        )
    return TaskDef(
        name=name,
        flavor="neurogym",
        timing=timing,
        # The Reach family always kept its fixation input on until the go cue.
        fixation_until_decision=(family == "reach") or not modern,
        noise_all_channels=not modern,
        **sw,
    )
