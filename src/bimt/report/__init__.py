"""`bimt reproduce`: run the paper's experiments, judge its claims, write the report.

```python
result = reproduce("runs/reproduce-quick", scale="quick", workers=2)
result.claims        # [ClaimResult]: key, title, measured, verdict (holds/partly/does not hold)
result.html          # OUT/report.html, self-contained; OUT/report.md links the figures
```

- `plan`: the experiments per scale as sweep specs (and the quick scale's time budget);
- `claims`: each claim's measurement and verdict rule (thresholds as module constants);
- `render`: the report as HTML and Markdown;
- `reproduce`: the orchestration (sweep -> analysis -> figures -> claims -> report).
"""

from bimt.report.claims import VERDICTS, ClaimResult, RunResult, evaluate_claims
from bimt.report.plan import SCALES, Plan, Scale, build_plan, get_scale
from bimt.report.reproduce import ReproduceResult, reproduce

__all__ = [
    "SCALES",
    "VERDICTS",
    "ClaimResult",
    "Plan",
    "ReproduceResult",
    "RunResult",
    "Scale",
    "build_plan",
    "evaluate_claims",
    "get_scale",
    "reproduce",
]
