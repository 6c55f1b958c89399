"""Trial-parameter schema shared by all families (keys of `Batch.params`).

Every batch carries every key for every row; a key that does not apply to a row holds -1
(integer keys) or NaN (float keys). Inputs of `TaskSuite.render` are marked [in]; the rest
are derived by the generator and ignored by `render`.
"""

from __future__ import annotations

import numpy as np

INT_PARAMS = {
    "target": "ring index of the correct response at the first decision step, after any "
    "Mod-Cog int shift; -1 on no-go trials",
    "modality": "[in: reach, match] ring (0 or 1) carrying the stimulus; DM: 0/1 for "
    "single-ring tasks, -1 when both rings carry stimuli",
    "ground_truth": "[in: reach] ring index k of the response (neurogym trial['ground_truth'])",
    "i_theta1": "[in: dm, dlydm] ring index of stimulus 1 (neurogym trial['theta1'] / 2π·R)",
    "i_theta2": "[in: dm, dlydm] ring index of stimulus 2, != i_theta1",
    "tie_winner": "[in: dm, dlydm; optional, default 1] which stimulus (1 or 2) is the "
    "target when the weighted strengths tie exactly (multidm, multidlydm)",
    "i_sample": "[in: match] ring index of the sample (neurogym trial['sample_theta'])",
    "i_test": "[in: match] ring index of the test (neurogym trial['test_theta'])",
    "match": "[in: match] 1 = match trial, 0 = non-match (neurogym trial['ground_truth'])",
    "delay": "duration of the `delay` period in ms; -1 when the task has none",
    "target_shift": "Mod-Cog int shift of the target in ring indices (dlyDM ±5, match "
    "±delay/100); 0 when none",
    "seq": "Mod-Cog seq direction: the label moves by +1/-1 index per 100 ms; 0 when none",
}
FLOAT_PARAMS = {
    "coh1_mod1": "[in: dm, dlydm] strength of stimulus 1 on ring 1 (neurogym key; DM: "
    "0.5 + c/2, dlyDM: s1); NaN when ring 1 carries no stimulus",
    "coh2_mod1": "[in: dm, dlydm] strength of stimulus 2 on ring 1",
    "coh1_mod2": "[in: dm, dlydm] strength of stimulus 1 on ring 2",
    "coh2_mod2": "[in: dm, dlydm] strength of stimulus 2 on ring 2",
    "coh_mod1": "signed coherence on ring 1: coh1_mod1 - coh2_mod1",
    "coh_mod2": "signed coherence on ring 2: coh1_mod2 - coh2_mod2",
    "stim_theta": "reach: angle (rad) of the stimulus bump (θ_k, +π for anti, + int shift)",
    "stim_shift": "reach: Mod-Cog int rotation of the stimulus in rad (integrate·0.01·delay)",
}


def empty_params(n: int) -> dict[str, np.ndarray]:
    """All keys for n rows, filled with 'does not apply' (-1 / NaN)."""
    out = {k: np.full(n, -1, dtype=np.int64) for k in INT_PARAMS}
    out.update({k: np.full(n, np.nan) for k in FLOAT_PARAMS})
    out["target_shift"][:] = 0
    out["seq"][:] = 0
    return out


def schema_doc() -> str:
    """The schema as text (for docstrings and the CLI)."""
    lines = [f"  {k} (int): {v}" for k, v in INT_PARAMS.items()]
    lines += [f"  {k} (float): {v}" for k, v in FLOAT_PARAMS.items()]
    return "\n".join(lines)
