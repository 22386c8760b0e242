"""DomTok benchmarks: every figure is a ratio against a baseline measured in the same run.

Run ``make bench`` or ``.venv/bin/python -m bench.run [--quick] [names...]``; results go to
``bench/results/``.
"""
