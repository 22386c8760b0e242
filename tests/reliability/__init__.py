"""Reliability and security suite: fuzzing, authorization matrix, agent attacks, faults, bad input.

Everything here runs in ``make test`` within a few minutes on SQLite (and again on PostgreSQL
when ``DOMTOK_TEST_DATABASE_URL`` is set). ``DOMTOK_LONG_TESTS=1`` turns on the long variants:
many more fuzzing examples per operation and repeated kill-and-restart cycles.
"""
