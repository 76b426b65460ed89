"""Load benchmark of the gating service (issue 15): real-layout workbooks uploaded over HTTP.

Not a timed test: run it by hand and read the table.

    python benchmarks/service_load.py            # 10 uploads/s open loop for 60 s, then 50 closed-loop clients
    python benchmarks/service_load.py --quick    # 5 s of each, for a smoke run
    python benchmarks/service_load.py --json benchmarks/out/service_load.json

It starts ``perfrules serve`` as its own process on a free 127.0.0.1 port with a fresh data
folder, uploads ``fixtures/workbooks/layout-a-training.xlsx``, and reports p50/p95 latency, errors
and lost uploads (answered 201 but not listed afterwards) for the open loop (latency counted
from each upload's scheduled time, so a stalled server cannot hide queueing), the saturation
throughput and p95 of the closed loop, and, in the same run, the CLI's cold (a new process) and
warm (in-process ``perfrules.validate``) time for the same file.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
WORKBOOK = ROOT / "fixtures" / "workbooks" / "layout-a-training.xlsx"
PASSWORD = "benchmark-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "perfrules", "users", "add", "bench", "--role", "submitter",
         "--department", "示例市人力资源和社会保障局", "--data", str(data)],
        input=(PASSWORD + "\n").encode(), env=env, check=True, capture_output=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "perfrules", "serve", "--data", str(data), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Uploader:
    def __init__(self, base: str, token: str) -> None:
        self.client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        self.raw = WORKBOOK.read_bytes()
        self.ids: list[str] = []
        self.errors = 0
        self.lock = threading.Lock()

    def upload(self) -> None:
        try:
            answer = self.client.post("/api/v1/submissions", files={"file": (WORKBOOK.name, self.raw)})
            ok = answer.status_code == 201
        except httpx.HTTPError:
            ok = False
        with self.lock:
            if ok:
                self.ids.append(answer.json()["id"])
            else:
                self.errors += 1


def open_loop(up: Uploader, rate: float, duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    start = time.perf_counter() + 0.5
    count = int(rate * duration)

    def one(index: int) -> None:
        scheduled = start + index / rate
        time.sleep(max(0.0, scheduled - time.perf_counter()))
        up.upload()
        latencies.append(time.perf_counter() - scheduled)

    before = len(up.ids), up.errors
    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(one, range(count)))
    return {
        "rate_per_s": rate, "duration_s": duration, "uploads": count,
        "p50_ms": 1000 * _percentile(latencies, 0.5), "p95_ms": 1000 * _percentile(latencies, 0.95),
        "ok": len(up.ids) - before[0], "errors": up.errors - before[1],
    }  # fmt: skip


def closed_loop(up: Uploader, clients: int, duration: float) -> dict[str, Any]:
    latencies: list[float] = []
    stop = time.perf_counter() + duration

    def client() -> None:
        while time.perf_counter() < stop:
            began = time.perf_counter()
            up.upload()
            latencies.append(time.perf_counter() - began)

    before = len(up.ids), up.errors
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    elapsed = time.perf_counter() - began
    return {
        "clients": clients, "duration_s": round(elapsed, 1), "uploads": len(latencies),
        "throughput_per_s": len(latencies) / elapsed, "p50_ms": 1000 * _percentile(latencies, 0.5),
        "p95_ms": 1000 * _percentile(latencies, 0.95), "errors": up.errors - before[1],
    }  # fmt: skip


def cli_times() -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "perfrules", "check", str(WORKBOOK), "--format", "json"],
        env=env, capture_output=True, check=False,
    )  # fmt: skip
    cold = time.perf_counter() - began
    sys.path.insert(0, str(ROOT))
    import perfrules

    perfrules.validate([WORKBOOK])
    warm = []
    for _ in range(20):
        began = time.perf_counter()
        perfrules.validate([WORKBOOK])
        warm.append(time.perf_counter() - began)
    return {"cli_cold_ms": 1000 * cold, "cli_warm_ms": 1000 * statistics.median(warm)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--closed-duration", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.quick:
        args.duration = args.closed_duration = 5.0
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="perfrules-load-") as folder:
        server = _start(Path(folder) / "data", port)
        try:
            base = f"http://127.0.0.1:{port}"
            token = httpx.post(f"{base}/api/v1/login", json={"username": "bench", "password": PASSWORD}).json()["token"]
            up = Uploader(base, token)
            up.upload()  # warm the pack
            results: dict[str, Any] = {"open_loop": open_loop(up, args.rate, args.duration)}
            results["closed_loop"] = closed_loop(up, args.clients, args.closed_duration)
            listed = {row["id"] for row in up.client.get("/api/v1/submissions").json()}
            results["lost_uploads"] = len(set(up.ids) - listed)
        finally:
            server.kill()
            server.wait()
    results |= cli_times()
    results["machine"] = {"cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0]}
    o, c = results["open_loop"], results["closed_loop"]
    print(f"open loop  {o['rate_per_s']:g}/s × {o['duration_s']:g} s: p50 {o['p50_ms']:.0f} ms  p95 {o['p95_ms']:.0f} ms  "
          f"errors {o['errors']}  lost {results['lost_uploads']}")  # fmt: skip
    print(f"closed loop {c['clients']} clients: {c['throughput_per_s']:.1f} uploads/s  p95 {c['p95_ms']:.0f} ms  "
          f"errors {c['errors']}")  # fmt: skip
    print(f"CLI: cold {results['cli_cold_ms']:.0f} ms, warm {results['cli_warm_ms']:.1f} ms (one workbook)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
