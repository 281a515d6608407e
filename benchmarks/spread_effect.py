"""Coverage vs spread when mentors have seats to spare.

    python benchmarks/spread_effect.py N

N synthetic mentees are generated (seed 7), the first N/2 kept, with the N/4 mentors of
capacity 4; prints each objective's solve time, mentor-load histogram and total score.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from tandem.matching import Matcher, Problem
from tandem.matching.model import ChoicePolicy
from tandem.matching.synthetic import synthetic_criteria, synthetic_people


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    people = synthetic_people(n)
    mentees = [p for p in people if p.role == "mentee"][: n // 2]
    mentors = [p for p in people if p.role == "mentor"]
    problem = Problem.build(
        mentees + mentors, synthetic_criteria(), choices=ChoicePolicy(bonus=(0.6, 0.4, 0.2))
    )
    matcher = Matcher(problem)
    for objective in ("coverage", "spread"):
        started = time.perf_counter()
        result = matcher.solve("optimal", objective, explain=False)
        seconds = time.perf_counter() - started
        total = sum(m.score for m in result.matches)
        print(
            f"{objective}: {seconds:.2f} s, matched {len(result.matches)}, "
            f"load {result.stats.mentor_load}, total {total:.2f}, "
            f"certified {result.stats.certified}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
