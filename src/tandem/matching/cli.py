"""The ``tandem match`` command.

``tandem match PEOPLE.csv --criteria criteria.toml [--mode ...] [--objective ...] -o matches.csv``

Exit codes: 0 done, 2 bad input (one message naming file, row, column and value; nothing
written).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .engine import Matcher
from .errors import InfeasibleLockError, MatchingInputError
from .io import people_rows, read_criteria_toml, read_pairs_csv, read_people_csv, write_matches_csv
from .model import MODES, OBJECTIVES, MatchResult, Mode, Objective, Problem
from .scoring import Progress

#: Runs with more pairs than this show a progress bar.
PROGRESS_PAIRS = 5_000_000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem match",
        description="Match mentees with mentors: exact (certified) optimal, stable or groups.",
    )
    parser.add_argument("people", type=Path, help="PEOPLE.csv (id, role, capacity, choices, ...)")
    parser.add_argument("--criteria", type=Path, required=True, help="criteria.toml")
    parser.add_argument("--mode", choices=MODES, default="optimal")
    parser.add_argument("--objective", choices=OBJECTIVES, default="coverage")
    parser.add_argument("-o", "--output", type=Path, required=True, help="matches.csv to write")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--locked", type=Path, help="CSV of locked pairs (mentee_id, mentor_id)")
    parser.add_argument("--forbidden", type=Path, help="CSV of forbidden pairs")
    parser.add_argument("--past", type=Path, help="CSV of past pairs (never repeated)")
    parser.add_argument(
        "--candidates", type=int, default=None, help="candidate mentors kept per mentee (speed)"
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="embedding cache folder")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    return parser


def load_problem(args: argparse.Namespace) -> Problem:
    config = read_criteria_toml(args.criteria)
    fields: list[str] = []
    for criterion in config.criteria:
        for name in criterion.fields:
            if name not in fields:
                fields.append(name)
    fields.extend(f for f in config.groups.diversity_fields if f not in fields)
    people = read_people_csv(args.people, fields)
    mentee_ids = {p.id for p in people if p.role == "mentee"}
    mentor_ids = {p.id for p in people if p.role == "mentor"}
    pairs = {
        name: read_pairs_csv(path, mentee_ids, mentor_ids) if path is not None else []
        for name, path in (
            ("locked", args.locked),
            ("forbidden", args.forbidden),
            ("past", args.past),
        )
    }
    return Problem.build(
        people,
        config.criteria,
        choices=config.choices,
        groups=config.groups,
        locked=pairs["locked"],
        forbidden=pairs["forbidden"],
        past=pairs["past"],
        cache_dir=args.cache_dir,
    )


def summary(result: MatchResult, out: TextIO) -> None:
    stats = result.stats
    rows: list[tuple[str, str]] = [
        ("mode / objective", f"{result.mode} / {result.objective}"),
        ("mentees / mentors", f"{stats.mentees} / {stats.mentors}"),
        ("matched", f"{stats.matched} ({stats.matched_pct:.1f}%)"),
        (
            "score total / mean / min",
            f"{stats.total_score:.4f} / {stats.mean_score:.4f} / {stats.min_score:.4f}",
        ),
    ]
    if stats.choice_share:
        rows.append(
            ("choices honoured", ", ".join(f"{k} {v:.1f}%" for k, v in stats.choice_share.items()))
        )
    rows.append(
        ("mentor load", ", ".join(f"{load}: {count}" for load, count in stats.mentor_load.items()))
    )
    if stats.mentors_below_minimum:
        rows.append(("below minimum", str(len(stats.mentors_below_minimum))))
    if stats.blocking_pairs is not None:
        rows.append(("blocking pairs", str(stats.blocking_pairs)))
    if stats.certificate_gap is not None:
        status = "certified optimal" if stats.certified else "not certified"
        rows.append(("certificate gap", f"{stats.certificate_gap:g} ({status})"))
    rows.append(("unmatched", str(sum(1 for u in result.unmatched if u.role == "mentee"))))
    rows.append(("time", ", ".join(f"{k} {v:.2f}s" for k, v in stats.phase_seconds.items())))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        out.write(f"{label.ljust(width)}  {value}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    mode: Mode = args.mode
    objective: Objective = args.objective
    try:
        problem = load_problem(args)
        try:
            matcher = Matcher(problem)
        except MatchingInputError as error:
            if error.person_id is not None:
                error.file = str(args.people)
                error.row = people_rows(args.people).get(error.person_id)
            raise
        pairs = len(problem.mentees) * len(problem.mentors)
        show = not args.no_progress and pairs > PROGRESS_PAIRS
        progress: Progress | None = None
        bar = None
        if show:
            from tqdm import tqdm

            bar = tqdm(total=len(problem.mentees), unit="mentee", desc="scoring", file=sys.stderr)
            progress = bar.update
        try:
            result = matcher.solve(
                mode, objective, candidates_per_mentee=args.candidates, progress=progress
            )
        finally:
            if bar is not None:
                bar.close()
        write_matches_csv(result, args.output)
    except (MatchingInputError, InfeasibleLockError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ImportError as error:  # e.g. the embedding model package is missing
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        if type(error).__name__ == "EmbeddingModelUnavailable":
            print(f"error: {error}", file=sys.stderr)
            return 2
        raise
    if args.json:
        json.dump(result.to_dict(), sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        summary(result, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
