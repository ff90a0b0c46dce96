"""A bounded load generator for OpenAI-compatible chat servers (bench.py's serve section).

`clients` threads each ask one question after another for `seconds`, streaming
(SSE), and record per request: HTTP status, time to the first content chunk,
total latency and the content chunks received (one per generated token on both
ragppo serve and llama-server). Standard library only.
"""
from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from urllib.parse import urlparse


def _one_request(host: str, port: int, body: bytes, headers: dict, timeout: float) -> dict:
    rec = {"status": 0, "ttft": None, "latency": None, "tokens": 0, "error": None, "retry_after": None}
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", "/v1/chat/completions", body=body, headers=headers)
        resp = conn.getresponse()
        rec["status"] = resp.status
        if resp.status != 200:
            try:
                rec["retry_after"] = float(resp.getheader("Retry-After", ""))
            except ValueError:
                pass
            resp.read()
            return rec
        for raw in resp:
            line = raw.strip()
            if not line.startswith(b"data:"):
                continue
            data = line[5:].strip()
            if data == b"[DONE]":
                break
            try:
                chunk = json.loads(data)
            except ValueError:
                continue
            for choice in chunk.get("choices") or []:
                if (choice.get("delta") or {}).get("content"):
                    if rec["ttft"] is None:
                        rec["ttft"] = time.perf_counter() - t0
                    rec["tokens"] += 1
        rec["latency"] = time.perf_counter() - t0
    except Exception as e:  # a refused or broken connection is an error, recorded
        rec["error"] = f"{type(e).__name__}: {e}"
    finally:
        conn.close()
    return rec


def run_load(url: str, model: str, questions: list[str], clients: int, seconds: float, max_tokens: int,
             api_key: str = "") -> dict:
    u = urlparse(url)
    headers = {"Content-Type": "application/json"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    records: list[dict] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(i: int) -> None:
        k = i
        while time.perf_counter() < deadline:
            q = questions[k % len(questions)]
            k += clients
            # Greedy with no repetition penalty on both sides (ragppo's preset for its
            # embedded LLM adds 1.1), so both decode the same way.
            body = json.dumps({"model": model, "stream": True, "max_tokens": max_tokens, "temperature": 0,
                               "repeat_penalty": 1.0, "messages": [{"role": "user", "content": q}]}).encode()
            rec = _one_request(u.hostname, u.port, body, headers, timeout=seconds + 120)
            rec["end"] = time.perf_counter()
            with lock:
                records.append(rec)
            if rec["status"] == 503:
                # The server asked to come back later: as the openai client does, after
                # the Retry-After it named (1 s when it named none).
                time.sleep(rec["retry_after"] if rec["retry_after"] is not None else 1.0)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start

    ok = [r for r in records if r["status"] == 200 and r["error"] is None and r["latency"] is not None]
    # Tokens of requests that finished inside the window, over the window: the rate the
    # server sustained while every client was busy.
    in_window = [r for r in ok if r["end"] <= start + seconds]

    def pct(values: list[float], p: float):
        if not values:
            return None
        values = sorted(values)
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

    ttft = [r["ttft"] for r in ok if r["ttft"] is not None]
    lat = [r["latency"] for r in ok]
    return {
        "clients": clients, "seconds": seconds, "wall_s": wall, "requests": len(records), "ok": len(ok),
        "status_503": sum(1 for r in records if r["status"] == 503),
        "errors": sum(1 for r in records if r["error"] is not None or r["status"] not in (200, 503)),
        "error_samples": sorted({r["error"] or f"HTTP {r['status']}" for r in records
                                 if r["error"] is not None or r["status"] not in (200, 503)})[:5],
        "tokens": sum(r["tokens"] for r in ok),
        "tokens_per_s": sum(r["tokens"] for r in in_window) / seconds,
        "ttft_p50": pct(ttft, 50), "ttft_p99": pct(ttft, 99),
        "latency_p50": pct(lat, 50), "latency_p99": pct(lat, 99),
        "mean_tokens": statistics.mean([r["tokens"] for r in ok]) if ok else 0,
    }
