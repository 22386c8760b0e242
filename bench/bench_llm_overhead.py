"""Overhead of DomTok's local LLM server versus calling llama_cpp.Llama directly.

Same prompt (system + tool block + a question answered in prose), same grammar, greedy
decoding, same run. Direct first (in this process), then the model is freed and the server is
started through the launcher on a private port and queried with streaming requests.

Writes bench/results/llm_overhead.json; `tokens_per_s_ratio` = endpoint / direct.
Run: .venv/bin/python bench/bench_llm_overhead.py [--runs 3] [--max-tokens 96]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.llm.assemble import ensure_model  # noqa: E402
from agent.llm.chat import shape_for  # noqa: E402
from agent.llm.constraint import ReplyConstraint, TokenClasses  # noqa: E402
from agent.llm.launcher import local_server  # noqa: E402
from agent.llm.prompt import render_segments  # noqa: E402
from agent.llm.protocol import ChatCompletionRequest  # noqa: E402
from config.settings import Settings  # noqa: E402

RESULT = Path(__file__).parent / "results" / "llm_overhead.json"


def _tool(name: str, description: str, properties: dict[str, Any]) -> dict[str, Any]:
    parameters = {"type": "object", "properties": properties}
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters},
    }


def request_body(max_tokens: int) -> dict[str, Any]:
    """A shopper question with tools offered that the model answers in prose."""
    tools = [
        _tool(
            "search_products",
            "Search the catalog by keywords; max_price is a budget.",
            {"query": {"type": "string"}, "max_price": {"type": "number"}},
        ),
        _tool(
            "add_to_cart",
            "Add a product to the cart.",
            {"sku": {"type": "string"}, "quantity": {"type": "integer"}},
        ),
        _tool("view_cart", "Show the cart.", {}),
    ]
    return {
        "messages": [
            {"role": "system", "content": "You are DomTok, a helpful shopping assistant."},
            {
                "role": "user",
                "content": "Without searching: explain in detail what to look for "
                "in running shoes (cushioning, fit, drop, weight).",
            },
        ],
        "tools": tools,
        "temperature": 0,
        "max_tokens": max_tokens,
    }


def _free_port() -> int:
    # A fresh port, so the launcher starts our own server instead of reusing someone else's.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    warm = runs[1:]
    return {
        "cold_ttft_s": round(runs[0]["ttft_s"], 3),
        "warm_ttft_s_median": round(statistics.median(r["ttft_s"] for r in warm), 3),
        "tokens_per_s_median": round(statistics.median(r["tokens_per_s"] for r in warm), 2),
        "completion_tokens": [int(r["tokens"]) for r in runs],
        "runs": runs,
    }


def bench_direct(model: Path, body: dict[str, Any], runs: int, n_ctx: int) -> dict[str, Any]:
    """Llama.create_completion(stream=True) on the identical tokens and reply constraint."""
    from llama_cpp import Llama, LogitsProcessorList

    request = ChatCompletionRequest.model_validate(body)
    threads = os.cpu_count() or 1
    started = time.perf_counter()
    llm = Llama(
        model_path=str(model),
        n_ctx=n_ctx,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
    )
    load_s = time.perf_counter() - started
    tokens: list[int] = []
    for segment in render_segments(request.messages, request.tools):
        tokens += llm.tokenize(segment.text.encode(), add_bos=False, special=segment.special)
    pieces = [llm.detokenize([t]).decode("utf-8", errors="ignore") for t in range(llm.n_vocab())]
    classes = TokenClasses.from_pieces(pieces)
    shape = shape_for(request)
    assert shape is not None
    results = []
    for _ in range(runs + 1):
        constraint = ReplyConstraint(
            llm._model.vocab, classes, shape.mode, len(tokens), shape.grammar
        )
        t0 = time.perf_counter()
        first = last = None
        count = 0
        for _chunk in llm.create_completion(
            tokens,
            max_tokens=body["max_tokens"],
            temperature=0.0,
            logits_processor=LogitsProcessorList([constraint]),
            stream=True,
        ):
            last = time.perf_counter()
            first = first or last
            count += 1
        constraint.close()
        assert first is not None
        assert last is not None
        results.append(
            {
                "ttft_s": first - t0,
                "tokens": count,
                "tokens_per_s": (count - 1) / (last - first) if count > 1 else 0.0,
            }
        )
    summary = {
        "load_s": round(load_s, 2),
        "rss_mb": _rss_mb(),
        "prompt_tokens": len(tokens),
        **_summary(results),
    }
    del llm
    gc.collect()
    return summary


def _stream_once(url: str, body: dict[str, Any]) -> dict[str, float]:
    payload = {**body, "stream": True, "stream_options": {"include_usage": True}}
    t0 = time.perf_counter()
    first = last = None
    usage: dict[str, Any] = {}
    with httpx.stream("POST", f"{url}/chat/completions", json=payload, timeout=600) as response:
        for line in response.iter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"]
            elif chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                last = time.perf_counter()
                first = first or last
    assert first is not None, "no content streamed"
    assert last is not None
    count = usage["completion_tokens"]
    return {
        "ttft_s": first - t0,
        "tokens": count,
        "tokens_per_s": (count - 1) / (last - first) if count > 1 else 0.0,
    }


def bench_endpoint(body: dict[str, Any], runs: int, n_ctx: int, port: int) -> dict[str, Any]:
    """The same request through our server (streaming), started fresh on a private port."""
    settings = Settings(_env_file=None, llm_port=port, llm_n_ctx=n_ctx)  # type: ignore[call-arg]
    started = time.perf_counter()
    with local_server(settings) as url:
        ready_s = time.perf_counter() - started
        health = httpx.get(url.removesuffix("/v1") + "/health", timeout=10).json()
        results = [_stream_once(url, body) for _ in range(runs + 1)]
        rss = httpx.get(url.removesuffix("/v1") + "/health", timeout=10).json().get("rss_mb")
    return {
        "start_to_healthy_s": round(ready_s, 2),
        "load_s": health.get("load_seconds"),
        "rss_mb": rss,
        **_summary(results),
    }


def main() -> None:
    """Run both measurements and write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="warm runs after one cold run")
    parser.add_argument("--max-tokens", type=int, default=96)
    parser.add_argument("--n-ctx", type=int, default=8192)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    args = parser.parse_args()
    t0 = time.perf_counter()
    model = ensure_model(show_progress=True)
    ensure_s = time.perf_counter() - t0
    body = request_body(args.max_tokens)
    direct = bench_direct(model, body, args.runs, args.n_ctx)
    endpoint = bench_endpoint(body, args.runs, args.n_ctx, args.port or _free_port())
    result = {
        "model": model.name,
        "n_ctx": args.n_ctx,
        "threads": os.cpu_count(),
        "max_tokens": args.max_tokens,
        "ensure_model_s": round(ensure_s, 2),
        "direct": direct,
        "endpoint": endpoint,
        "tokens_per_s_ratio": round(
            endpoint["tokens_per_s_median"] / direct["tokens_per_s_median"], 3
        ),
        "warm_ttft_overhead_s": round(
            endpoint["warm_ttft_s_median"] - direct["warm_ttft_s_median"], 3
        ),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps({k: v for k, v in result.items() if k not in ("direct", "endpoint")}, indent=2)
    )


if __name__ == "__main__":
    main()
