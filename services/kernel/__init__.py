"""Shared kernel: database, unit of work, errors, money, ids, pagination, events and outbox."""
