"""Benchmarks of the hot paths against their floors (DESIGN §10), run by `make bench`.

One module per row of the DESIGN §10 table; each runs in its own process, with its own
SQLite database in a temporary VAR_DIR, measures the feature and its floor in the same
run (interleaved, medians of several repetitions) and reports rows for the table that
`python -m bench` prints and writes to `bench/results.md`. Not tests: timings depend on
the machine; the contracts that do not (query counts) are tests in `tests/`.
"""
