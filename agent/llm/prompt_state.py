"""The warm-up prompt's evaluated state on disk, so a restarted server is warm in seconds.

The agent's prompt prefix (system prompt plus the ~4,500-token tool block) takes one to two
minutes to evaluate on 2 CPU cores, and every `domtok chat` starts (and stops) its own server.
After the first warm-up the server saves llama.cpp's state (the KV cache and the tokens it holds)
under the model directory, named by a digest of the model file and the prompt's tokens; the next
start with the same model and prompt loads it instead. Any other prompt, model or a damaged
file means a normal warm-up (and a fresh file).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SUFFIX = ".llama-state"


def state_path(directory: Path, model_path: Path, tokens: list[int]) -> Path:
    """Where the state after evaluating ``tokens`` on this model file is kept."""
    stat = model_path.stat()
    digest = hashlib.sha256(f"{model_path.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    digest.update(",".join(map(str, tokens)).encode())
    return directory / f"prompt-{digest.hexdigest()[:32]}{SUFFIX}"


def restore(llm: Any, path: Path) -> bool:
    """Load a saved state into ``llm`` (a ``llama_cpp.Llama``); False when there is none usable."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            llm.load_state(pickle.load(handle))  # noqa: S301 - our own file, in our cache dir
    except Exception as exc:  # a torn or foreign file: warm up normally and replace it
        logger.warning("saved prompt state %s unusable (%s); warming up", path.name, exc)
        path.unlink(missing_ok=True)
        return False
    return True


def save(llm: Any, path: Path) -> None:
    """Write ``llm``'s state atomically; older states of other prompts are removed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"prompt-*{SUFFIX}"):
        if old != path:
            old.unlink(missing_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(llm.save_state(), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
