"""What the runner hands every benchmark: the mode, the servers, the data fixtures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.servers import Databases, Servers
from bench.shop import Fixtures


@dataclass
class BenchContext:
    """One run's shared state."""

    quick: bool
    servers: Servers
    fixtures: Fixtures
    databases: Databases | None
    results_dir: Path
    workdir: Path

    def size(self, full: int, quick: int) -> int:
        """``full`` normally, ``quick`` for a smoke run."""
        return quick if self.quick else full

    def seconds(self, full: float, quick: float) -> float:
        """A duration: ``full`` normally, ``quick`` for a smoke run."""
        return quick if self.quick else full

    def need_postgres(self) -> bool:
        """Start PostgreSQL if needed; True when it answers and databases can be made."""
        return self.databases is not None and "postgres" in self.servers.ensure("postgres")


class Skipped(Exception):
    """A benchmark could not run here (a server is missing); the reason goes in its result."""
