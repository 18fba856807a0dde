"""`python -m scripts.bench`: run every measure and write docs/benchmarks.md."""

from scripts.bench.run import main

raise SystemExit(main())
