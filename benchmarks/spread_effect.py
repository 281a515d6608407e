"""Coverage vs spread on half the synthetic mentees (mentors with seats to spare):

python benchmarks/spread_effect.py N   (N synthetic mentees, N/2 kept, N/4 mentors of capacity 4)
"""

import sys
import time

from tandem.matching import Matcher, Problem
from tandem.matching.model import ChoicePolicy
from tandem.matching.synthetic import synthetic_criteria, synthetic_people

n = int(sys.argv[1])
people = synthetic_people(n)
mentees = [p for p in people if p.role == "mentee"][: n // 2]
mentors = [p for p in people if p.role == "mentor"]
problem = Problem.build(
    mentees + mentors, synthetic_criteria(), choices=ChoicePolicy(bonus=(0.6, 0.4, 0.2))
)
matcher = Matcher(problem)
for objective in ("coverage", "spread"):
    t = time.perf_counter()
    r = matcher.solve("optimal", objective, explain=False)
    total = sum(m.score for m in r.matches)
    print(
        objective,
        f"{time.perf_counter() - t:.2f}s",
        "matched",
        len(r.matches),
        "load",
        r.stats.mentor_load,
        "total",
        round(total, 2),
        "certified",
        r.stats.certified,
        r.notes[-1:],
    )
