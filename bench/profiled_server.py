"""uvicorn under pyinstrument: ``python -m bench.profiled_server OUT.json [uvicorn args...]``.

Sampling starts on SIGUSR1 (so start-up and warm-up are left out) and ends when the server
stops (SIGINT). The hottest functions by own time and by total time go to ``OUT.json``, the
call tree to ``OUT.txt``. The main thread runs the event loop, hence every request.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import Any

from pyinstrument import Profiler

TOP = 25


def _key(frame: Any) -> str:
    return f"{frame.function} ({_short(frame.file_path or '')}:{frame.line_no})"


def _walk(frame: Any, own: dict[str, float], total: dict[str, float], seen: frozenset[str]) -> None:
    if frame.is_synthetic:
        return
    key = _key(frame)
    real = [child for child in frame.children if not child.is_synthetic]
    mine = frame.time - sum(child.time for child in real)
    own[key] = own.get(key, 0.0) + mine
    if key not in seen:  # a recursive call's time is already in its caller's total
        total[key] = total.get(key, 0.0) + frame.time
    for child in real:
        _walk(child, own, total, seen | {key})


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def hotspots(profiler: Profiler) -> dict[str, Any]:
    """The top functions by own (self) time and by total time, as shares of the samples."""
    session = profiler.last_session
    if session is None:
        return {"error": "the profiler never started (no SIGUSR1)"}
    root = session.root_frame()
    own: dict[str, float] = {}
    total: dict[str, float] = {}
    if root is not None:
        _walk(root, own, total, frozenset())
    duration = max(session.duration, 1e-9)

    def top(table: dict[str, float]) -> list[dict[str, Any]]:
        rows = sorted(table.items(), key=lambda kv: kv[1], reverse=True)[:TOP]
        return [{"function": k, "share": round(v / duration, 4)} for k, v in rows]

    return {
        "profiled_seconds": round(duration, 2),
        "samples": session.sample_count,
        "top_self_time": top(own),
        "top_total_time": top(total),
    }


def main() -> None:
    """Run uvicorn with the given arguments; profile between SIGUSR1 and the end."""
    out = Path(sys.argv[1])
    import uvicorn.main

    profiler = Profiler(interval=0.001, async_mode="disabled")
    signal.signal(signal.SIGUSR1, lambda *_: profiler.start())
    try:
        uvicorn.main.main(sys.argv[2:], standalone_mode=False)
    finally:
        if profiler.is_running:
            profiler.stop()
        out.write_text(json.dumps(hotspots(profiler), indent=2) + "\n")
        if profiler.last_session is not None:
            out.with_suffix(".txt").write_text(profiler.output_text(color=False, show_all=False))


if __name__ == "__main__":
    main()
