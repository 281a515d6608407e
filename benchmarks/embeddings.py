"""Benchmark for tandem.matching.embeddings (offline MiniLM in NumPy).

Run from the repository root:

    PYTHONPATH=src .venv/bin/python benchmarks/embeddings.py [--texts 512] [--cached 125000]

Reports
* model load time;
* cold throughput (texts/second, no cache) of the encoder for batch sizes 32/64/128 and maximum
  sequence lengths 64/128, on synthetic mentoring goals / experience texts;
* an end-to-end ``embed_texts`` run over a realistic mix with duplicates, writing the cache, and
  the warm re-run;
* the time to load 125,000 cached vectors through ``embed_texts`` (the model is never called).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tandem.matching import embeddings as emb

# --------------------------------------------------------------------------------------------
# Synthetic mentoring texts: openers x objectives (a few hundred templates) x vocabulary.
# --------------------------------------------------------------------------------------------

OPENERS = [
    "I want to",
    "I would like to",
    "My goal is to",
    "I am hoping to",
    "This year I plan to",
    "I'd love to",
    "Looking for a mentor to help me",
    "I need guidance to",
    "Over the next six months I want to",
    "My main objective is to",
    "I'm trying to",
    "I aim to",
    "Help me",
    "I am keen to",
    "Ideally I would",
]
OBJECTIVES = [
    "get better at {skill}",
    "improve my {skill} skills",
    "learn the basics of {skill}",
    "grow into a {role} role",
    "move from {role} to {role2}",
    "build confidence in {skill}",
    "understand how {industry} companies approach {skill}",
    "prepare for a promotion to {role}",
    "develop a network in {industry}",
    "balance {skill} with my day-to-day work as a {role}",
    "lead a team working on {skill}",
    "switch careers into {industry}",
    "get feedback on my {skill} from an experienced {role}",
    "become the go-to person for {skill} in my team",
    "start a side project about {skill}",
    "negotiate a better salary as a {role}",
    "find my first job in {industry}",
]
EXPERIENCE = [
    "I have {years} years of experience as a {role} in {industry}.",
    "Currently a {role} at a {industry} startup.",
    "I spent {years} years in {industry} before moving into {skill}.",
    "I manage a small team and mostly work on {skill}.",
    "Background in {industry}, now focusing on {skill}.",
    "I mentor junior colleagues in {skill} and {skill2}.",
    "Previously {role}, now {role2}.",
    "I'm a recent graduate interested in {industry}.",
    "",
    "",
    "",
]
SKILLS = [
    "public speaking",
    "presentation",
    "Python",
    "data analysis",
    "machine learning",
    "product management",
    "people management",
    "stakeholder communication",
    "negotiation",
    "UX research",
    "interaction design",
    "backend engineering",
    "Kubernetes",
    "cloud architecture",
    "financial modelling",
    "fundraising",
    "sales",
    "marketing strategy",
    "technical writing",
    "time management",
    "conflict resolution",
    "hiring and interviewing",
    "strategic planning",
    "accessibility",
    "cybersecurity",
    "DevOps",
    "frontend development",
    "SQL",
    "statistics",
    "storytelling",
]
ROLES = [
    "software engineer",
    "engineering manager",
    "product manager",
    "designer",
    "data scientist",
    "analyst",
    "team lead",
    "founder",
    "consultant",
    "researcher",
    "nurse",
    "teacher",
    "project manager",
    "CTO",
    "marketing manager",
    "accountant",
]
INDUSTRIES = [
    "healthcare",
    "fintech",
    "education",
    "retail",
    "the public sector",
    "non-profit",
    "e-commerce",
    "energy",
    "biotech",
    "gaming",
    "media",
    "logistics",
]


def synthetic_texts(count: int, seed: int = 20240501) -> list[str]:
    """Fixed-seed 1-2 sentence mentoring goals; roughly a fifth are repeats of earlier texts."""
    rng = random.Random(seed)
    texts: list[str] = []
    for _ in range(count):
        if texts and rng.random() < 0.2:
            texts.append(rng.choice(texts))
            continue
        values = {
            "skill": rng.choice(SKILLS),
            "skill2": rng.choice(SKILLS),
            "role": rng.choice(ROLES),
            "role2": rng.choice(ROLES),
            "industry": rng.choice(INDUSTRIES),
            "years": rng.randint(1, 25),
        }
        goal = f"{rng.choice(OPENERS)} {rng.choice(OBJECTIVES).format(**values)}."
        experience = rng.choice(EXPERIENCE).format(**values)
        texts.append(f"{goal} {experience}".strip() if rng.random() < 0.5 else goal)
    return texts


# --------------------------------------------------------------------------------------------


def _time[T](fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def bench_cold(encoder_texts: list[str], model_dir: Path) -> None:
    print(f"\nCold encoder throughput on {len(encoder_texts)} unique texts (no cache)")
    print(f"{'max_len':>8} {'batch':>6} {'texts/s':>9} {'seconds':>8} {'mean tokens':>12}")
    for max_length in (64, 128):
        encoder = emb.load_encoder(model_dir, max_length=max_length)
        token_ids = encoder.tokenize(encoder_texts)
        mean_tokens = sum(map(len, token_ids)) / len(token_ids)
        encoder.encode(encoder_texts[:32], batch_size=32)  # warm BLAS / allocator
        for batch_size in (32, 64, 128):
            seconds, _ = _time(encoder.encode, encoder_texts, batch_size=batch_size)
            print(
                f"{max_length:>8} {batch_size:>6} {len(encoder_texts) / seconds:>9.1f} "
                f"{seconds:>8.2f} {mean_tokens:>12.1f}"
            )


def bench_end_to_end(texts: list[str], model_dir: Path, cache_dir: Path) -> None:
    unique = len({emb.normalize_text(t) for t in texts})
    print(f"\nembed_texts on {len(texts)} texts ({unique} unique), max_len {emb.MAX_LENGTH}")
    seconds, cold = _time(emb.embed_texts, texts, model_dir=model_dir, cache_dir=cache_dir)
    print(f"  cold, writing cache: {seconds:7.2f} s  ({len(texts) / seconds:8.1f} texts/s)")
    seconds, warm = _time(emb.embed_texts, texts, model_dir=model_dir, cache_dir=cache_dir)
    print(f"  warm, from cache:    {seconds:7.3f} s  ({len(texts) / seconds:8.0f} texts/s)")
    assert np.array_equal(cold, warm)


def bench_cache_load(count: int, model_dir: Path, cache_dir: Path) -> None:
    """Fill the cache with ``count`` vectors under the real keys, then load them all."""
    texts = [f"{text} (#{i})" for i, text in enumerate(synthetic_texts(count, seed=7))]
    fingerprint = emb.model_fingerprint(model_dir)
    keys = [emb._cache_key(fingerprint, emb.MAX_LENGTH, emb.normalize_text(t)) for t in texts]
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((count, emb.DIMENSION), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cache = emb._VectorCache(cache_dir)
    seconds, _ = _time(cache.put_many, keys, vectors)
    size_mb = cache.path.stat().st_size / 1e6
    print(f"\nCache with {count} vectors: written in {seconds:.2f} s, {size_mb:.0f} MB on disk")

    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("the model must not run when everything is cached")

    original = emb.load_encoder
    emb.load_encoder = forbidden  # type: ignore[assignment]
    try:
        timings = []
        for _ in range(3):
            seconds, loaded = _time(
                emb.embed_texts, texts, model_dir=model_dir, cache_dir=cache_dir
            )
            timings.append(seconds)
    finally:
        emb.load_encoder = original
    assert np.array_equal(loaded, vectors)
    print(
        f"  embed_texts over {count} cached texts: best {min(timings):.2f} s, "
        f"worst {max(timings):.2f} s (3 runs; hashing + SQLite lookup + assembly)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--texts", type=int, default=512, help="unique texts for cold runs")
    parser.add_argument("--end-to-end", type=int, default=2000, help="texts for embed_texts run")
    parser.add_argument("--cached", type=int, default=125_000, help="vectors for cache load")
    parser.add_argument("--model-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    try:
        model_dir = emb.resolve_model_dir(args.model_dir)
    except emb.EmbeddingModelUnavailable as exc:
        print(f"model unavailable: {exc}", file=sys.stderr)
        return 1

    seconds, _ = _time(emb.load_encoder, model_dir)
    print(f"Model load (weights + tokenizer, once per process): {seconds:.2f} s")

    pool = synthetic_texts(20 * args.texts)
    unique_texts = list(dict.fromkeys(emb.normalize_text(t) for t in pool))[: args.texts]
    bench_cold(unique_texts, model_dir)
    with tempfile.TemporaryDirectory(prefix="tandem-emb-bench-") as tmp:
        bench_end_to_end(synthetic_texts(args.end_to_end, seed=11), model_dir, Path(tmp) / "e2e")
        bench_cache_load(args.cached, model_dir, Path(tmp) / "load")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
