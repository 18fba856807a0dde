"""The benchmark harness: every figure a ratio against a baseline measured in the same run.

    .venv/bin/python -m scripts.bench                 # the real run (1,000,000 awards)
    .venv/bin/python -m scripts.bench --awards 100000 # a shorter one

See `docs/benchmarks.md` for the last table and `scripts/bench/run.py` for the steps.
"""
