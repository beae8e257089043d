"""Load benchmark: the assistant's web endpoint against Rasa's own server, on the same model.

    uv run python bench/load.py                  # everything (about 6 minutes on 2 cores)
    uv run python bench/load.py --soak 0         # without the 20 000-message memory soak
    uv run python bench/load.py --soak 0 --also-database-url postgresql://postgres@127.0.0.1/bench
                                                 # and the same on PostgreSQL, printed beside SQLite's

In one run, one after the other so that they never share the CPU:

1. Rasa's own server (`rasa run --enable-api -m <model>`) answering `POST /model/parse`: the floor.
2. `assistant serve` (one worker, SQLite, the same model) answering `POST /webhooks/rest/webhook`:
   free-text questions, then button answers, at 1, 8 and 32 concurrent conversations; then a
   soak of 20 000 free-text messages at 32 concurrent conversations, memory sampled all along.

Every free text is distinct (held-out phrasings with varied openings and endings), so no cache
can stand in for the NLU. Prints messages per second, p50/p95/p99 latency, time to ready, peak
resident memory and the ratios; writes bench/results/load.json and bench/results/load.png.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import aiohttp
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "bench" / "results"
CONCURRENCY = (1, 8, 32)
OPENINGS = ["", "bonjour, ", "bonjour ", "salut, ", "svp ", "excusez-moi, ", "bonsoir, ", "une question : ",
            "dites-moi, ", "madame, monsieur, "]
ENDINGS = ["", " merci", " svp", " merci d'avance", " cordialement", " bonne journée", " je vous remercie",
           " c'est urgent", " merci beaucoup", " ?"]
# One conversation pressing buttons through the eligibility check (payloads of the chat's buttons).
BUTTONS = ["/start_check",
           '/answer{"fact":"difficulties","value":"separation"}',
           '/answer{"fact":"situation","value":"salarie"}',
           '/answer{"fact":"sector","value":"prive_non_agricole"}',
           '/answer{"fact":"company_size","value":"10"}',
           '/answer{"fact":"contract","value":"cdi"}']
TEXTS_PER_CONVERSATION = 4


def distinct_texts() -> list[str]:
    """About 25 000 distinct French messages, in a fixed shuffled order."""
    heldout = yaml.safe_load((ROOT / "tests" / "nlu" / "heldout_fr.yml").read_text(encoding="utf-8"))
    texts = sorted({f"{o}{item['text']}{e}" for item in heldout for o in OPENINGS for e in ENDINGS})
    random.Random(20261125).shuffle(texts)
    return texts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Memory:
    """Samples a process's resident memory (VmRSS, with its children) every 0.2 s."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.now = pid, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _pids(self) -> list[int]:
        pids = [self.pid]
        for pid in pids:  # grows as children are found
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                children = []
            pids.extend(int(c) for c in children)
        return pids

    def sample(self) -> int:
        total = 0
        for pid in self._pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                pass
        self.now = total
        self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def stop(self) -> None:
        self._stop.set()


@dataclass
class Run:
    server: str
    kind: str
    concurrency: int
    messages: int
    seconds: float
    latencies_ms: list[float] = field(repr=False)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, p: float) -> float:
        return float(np.percentile(self.latencies_ms, p))

    def row(self) -> str:
        return (f"{self.server:10} {self.kind:11} {self.concurrency:>4} {self.messages:>6} {self.rate:>9.1f}"
                f" {self.percentile(50):>8.1f} {self.percentile(95):>8.1f} {self.percentile(99):>8.1f}")


class Server:
    """A server process started for the benchmark, with its readiness time and memory."""

    def __init__(self, name: str, argv: list[str], ready_path: str, env: dict[str, str], cwd: Path, log: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.monotonic()
        self._log = open(log, "wb")  # noqa: SIM115 -- the server's output, for as long as it runs (closed in stop)
        self.proc = subprocess.Popen([*argv, "--port", str(self.port)], env=env, cwd=cwd,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.memory = Memory(self.proc.pid)
        self.ready_seconds = self._wait(ready_path, log)

    def _wait(self, path: str, log: Path) -> float:
        import urllib.request

        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited at start; see {log}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:
                    if response.status == 200:
                        return time.monotonic() - self.started
            except OSError:
                pass
            if time.monotonic() - self.started > 600:
                raise SystemExit(f"{self.name} not ready in 600 s; see {log}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.memory.stop()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


async def drive(url: str, conversations: list[list[dict]], concurrency: int) -> tuple[float, list[float]]:
    """Runs the conversations, `concurrency` at a time, each message after the previous answer.
    Returns the wall time and every message's latency in ms."""
    latencies: list[float] = []
    queue = iter(conversations)
    timeout = aiohttp.ClientTimeout(total=60)

    async def worker(session: aiohttp.ClientSession) -> None:
        for conversation in queue:
            for body in conversation:
                started = time.perf_counter()
                async with session.post(url, json=body) as response:
                    payload = await response.json()
                    if response.status != 200 or not isinstance(payload, (list, dict)):
                        raise SystemExit(f"bad answer {response.status} from {url}")
                latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def measure(server: str, kind: str, url: str, conversations: list[list[dict]], concurrency: int) -> Run:
    seconds, latencies = asyncio.run(drive(url, conversations, concurrency))
    run = Run(server, kind, concurrency, len(latencies), seconds, latencies)
    print(run.row(), flush=True)
    return run


def text_conversations(texts: list[str], prefix: str) -> list[list[dict]]:
    chunks = [texts[i:i + TEXTS_PER_CONVERSATION] for i in range(0, len(texts), TEXTS_PER_CONVERSATION)]
    return [[{"sender": f"{prefix}-{n}", "message": t} for t in chunk] for n, chunk in enumerate(chunks)]


def button_conversations(count: int, prefix: str) -> list[list[dict]]:
    return [[{"sender": f"{prefix}-{n}", "message": b} for b in BUTTONS] for n in range(count)]


def model_file() -> Path:
    sys.path.insert(0, str(ROOT))
    import nlu  # the project's own model; trained once if missing

    models = ROOT / "models"
    model = nlu.latest_model(models)
    if model is None:
        print("no model in models/: training one (a few minutes, once)", flush=True)
        model, _ = nlu.train(models)
    return model


def plot(runs: list[Run], soak: list[tuple[int, int]], ready: dict[str, float], peak: dict[str, int],
         out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    series = {("rasa", "parse"): "Rasa /model/parse", ("assistant", "free text"): "assistant, free text",
              ("assistant", "buttons"): "assistant, buttons",
              ("assistant-pg", "free text"): "assistant on PostgreSQL, free text",
              ("assistant-pg", "buttons"): "assistant on PostgreSQL, buttons"}
    for (server, kind), label in series.items():
        chosen = [r for r in runs if r.server == server and r.kind == kind]
        if not chosen:
            continue
        xs = [r.concurrency for r in chosen]
        axes[0].plot(xs, [r.rate for r in chosen], marker="o", label=label)
        line, = axes[1].plot(xs, [r.percentile(95) for r in chosen], marker="o", label=f"{label} p95")
        axes[1].plot(xs, [r.percentile(50) for r in chosen], marker=".", linestyle=":", color=line.get_color(),
                     label=f"{label} p50")
    axes[0].set(title="Throughput", xlabel="concurrent conversations", ylabel="messages / s", yscale="log",
                xscale="log", xticks=list(CONCURRENCY), xticklabels=[str(c) for c in CONCURRENCY])
    axes[1].set(title="Latency", xlabel="concurrent conversations", ylabel="ms", yscale="log", xscale="log",
                xticks=list(CONCURRENCY), xticklabels=[str(c) for c in CONCURRENCY])
    axes[0].legend(fontsize=8)
    axes[1].legend(fontsize=7)
    if soak:
        axes[2].plot([m for m, _ in soak], [rss / 2**20 for _, rss in soak], marker=".", label="assistant serve")
        axes[2].axhline(1.3e9 / 2**20, color="red", linestyle="--", linewidth=1, label="target: 1.3 GB")
        if "rasa run" in peak:
            axes[2].axhline(peak["rasa run"] / 2**20, color="grey", linestyle=":", linewidth=1,
                            label="rasa run, peak")
        axes[2].legend(fontsize=8, loc="lower right")
        axes[2].set(title="assistant resident memory, soak at 32 concurrent", xlabel="messages", ylabel="MiB",
                    ylim=(0, max(1.3e9, *(rss for _, rss in soak)) / 2**20 * 1.15))
    else:
        axes[2].axis("off")
    fig.suptitle("Ready in: " + ", ".join(f"{k} {v:.1f} s" for k, v in ready.items()), fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--texts", type=int, default=2000, help="free-text messages per run at 32 concurrent")
    ap.add_argument("--soak", type=int, default=20000, help="messages of the memory soak (0: none)")
    ap.add_argument("--database-url", help="the assistant's DATABASE_URL (default: SQLite in a temp dir)")
    ap.add_argument("--also-database-url",
                    help="run the assistant a second time on this database (PostgreSQL) and print both")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    model = model_file()
    texts = distinct_texts()
    sizes = {1: max(100, args.texts // 8), 8: max(200, args.texts // 2), 32: args.texts}
    needed = sum(sizes.values()) + args.soak + 200
    if needed > len(texts):
        raise SystemExit(f"only {len(texts)} distinct texts, {needed} needed: lower --texts or --soak")
    work = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    args.out.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    ready: dict[str, float] = {}
    peak: dict[str, int] = {}
    print(f"model {model.name}; {os.cpu_count()} cores; logs in {work}")
    print(f"{'server':10} {'kind':11} {'conc':>4} {'msgs':>6} {'msgs/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    try:
        # 1. Rasa's own server: the floor.
        rasa = Server("rasa", [str(BIN / "rasa"), "run", "--enable-api", "-m", str(model)], "/status",
                      dict(os.environ), work, work / "rasa.log")
        ready["rasa run"] = rasa.ready_seconds
        try:
            url = rasa.url + "/model/parse"
            measure("rasa", "warm-up", url, [[{"text": t}] for t in texts[-100:]], 8)
            start = 0
            for c in CONCURRENCY:
                chunk = texts[start:start + sizes[c]]
                start += sizes[c]
                runs.append(measure("rasa", "parse", url, [[{"text": t}] for t in chunk], c))
            peak["rasa run"] = rasa.memory.peak
        finally:
            rasa.stop()

        # 2. The assistant, one worker, on the same model and the same texts.
        models = work / "models"
        models.mkdir()
        (models / model.name).symlink_to(model)
        env = {**os.environ, "ASSISTANT_MODELS_DIR": str(models), "ASSISTANT_VAR_DIR": str(work / "var"),
               "LOG_LEVEL": "warning"}
        env.pop("RASA_URL", None)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        else:
            env.pop("DATABASE_URL", None)
        ours = Server("assistant", [str(BIN / "assistant"), "serve"], "/health", env, ROOT, work / "assistant.log")
        ready["assistant serve"] = ours.ready_seconds
        soak: list[tuple[int, int]] = []
        try:
            start = measure_assistant(ours, texts, sizes, runs)
            if args.soak:
                soak = run_soak(ours.url + "/webhooks/rest/webhook", texts[start:start + args.soak], ours.memory)
            peak["assistant serve"] = ours.memory.peak
        finally:
            ours.stop()

        # 3. The same again on another database (PostgreSQL), when asked: its figures beside SQLite's.
        if args.also_database_url:
            env = {**env, "DATABASE_URL": args.also_database_url, "ASSISTANT_VAR_DIR": str(work / "var-pg")}
            pg = Server("assistant-pg", [str(BIN / "assistant"), "serve"], "/health", env, ROOT,
                        work / "assistant-pg.log")
            ready["assistant serve (PostgreSQL)"] = pg.ready_seconds
            try:
                measure_assistant(pg, texts, sizes, runs)
                peak["assistant serve (PostgreSQL)"] = pg.memory.peak
            finally:
                pg.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    report = summary(runs, ready, peak, soak)
    print(report)
    (args.out / "load.txt").write_text(report + "\n")
    (args.out / "load.json").write_text(json.dumps({
        "model": model.name, "cores": os.cpu_count(), "ready_seconds": ready, "peak_rss_bytes": peak,
        "soak_rss": soak,
        "runs": [{**{k: v for k, v in asdict(r).items() if k != "latencies_ms"}, "rate": r.rate,
                  "p50_ms": r.percentile(50), "p95_ms": r.percentile(95), "p99_ms": r.percentile(99)} for r in runs],
    }, indent=1))
    plot(runs, soak, ready, peak, args.out / "load.png")
    print(f"wrote {args.out / 'load.json'}, {args.out / 'load.txt'} and {args.out / 'load.png'}")
    return 0


def measure_assistant(server: Server, texts: list[str], sizes: dict[int, int], runs: list[Run]) -> int:
    """Free text then buttons at each concurrency, on one running assistant (its `name` labels the
    runs); returns how many texts it used."""
    url = server.url + "/webhooks/rest/webhook"
    measure(server.name, "warm-up", url, text_conversations(texts[-200:-100], f"{server.name}-warm"), 8)
    start = 0
    for c in CONCURRENCY:
        chunk = texts[start:start + sizes[c]]
        start += sizes[c]
        runs.append(measure(server.name, "free text", url, text_conversations(chunk, f"{server.name}-t{c}"), c))
    for c in CONCURRENCY:
        count = sizes[c] * 3 // len(BUTTONS)
        runs.append(measure(server.name, "buttons", url, button_conversations(count, f"{server.name}-b{c}"), c))
    return start


def run_soak(url: str, texts: list[str], memory: Memory) -> list[tuple[int, int]]:
    """Free text at 32 concurrent conversations, memory sampled every 1 000 messages."""
    samples = [(0, memory.sample())]
    done = 0
    for i in range(0, len(texts), 1000):
        chunk = texts[i:i + 1000]
        seconds, latencies = asyncio.run(drive(url, text_conversations(chunk, f"soak{i}"), 32))
        done += len(latencies)
        samples.append((done, memory.sample()))
    rss = [r for _, r in samples[1:]]
    print(f"soak: {done} messages, resident memory {rss[0] / 2**20:.0f} MiB after 1 000, "
          f"{rss[-1] / 2**20:.0f} MiB at the end, peak {memory.peak / 2**20:.0f} MiB", flush=True)
    return samples


def summary(runs: list[Run], ready: dict[str, float], peak: dict[str, int], soak: list[tuple[int, int]]) -> str:
    def find(server: str, kind: str, c: int) -> Run | None:
        return next((r for r in runs if (r.server, r.kind, r.concurrency) == (server, kind, c)), None)

    lines = ["", "summary"]
    rasa32 = find("rasa", "parse", 32)
    free32, buttons32 = find("assistant", "free text", 32), find("assistant", "buttons", 32)
    free8 = find("assistant", "free text", 8)
    if rasa32 and free32:
        lines.append(
            f"  free text at 32 concurrent: {free32.rate:.1f} msg/s = {free32.rate / rasa32.rate:.2f} x "
            f"Rasa's /model/parse ({rasa32.rate:.1f}/s)   target >= 1.2 x"
        )
    if free8:
        lines.append(f"  free text p95 at 8 concurrent: {free8.percentile(95):.0f} ms   target < 150 ms")
    if free32 and buttons32:
        lines.append(
            f"  buttons at 32 concurrent: {buttons32.rate:.0f} msg/s = {buttons32.rate / free32.rate:.1f} x "
            f"the free-text rate   target >= 10 x"
        )
    pg_free32, pg_buttons32 = find("assistant-pg", "free text", 32), find("assistant-pg", "buttons", 32)
    if pg_free32 and pg_buttons32 and rasa32 and free32 and buttons32:
        pg_free8 = find("assistant-pg", "free text", 8)
        lines += [
            "  SQLite beside PostgreSQL (the same model, one worker, the database server on the same cores):",
            f"    {'':34} {'SQLite':>12} {'PostgreSQL':>12}   target",
            f"    {'free text at 32, msg/s':34} {free32.rate:12.1f} {pg_free32.rate:12.1f}",
            f"    {'free text at 32 / Rasa':34} {free32.rate / rasa32.rate:11.2f}x "
            f"{pg_free32.rate / rasa32.rate:11.2f}x   >= 2 x on PostgreSQL",
            f"    {'free text p95 at 8, ms':34} {free8.percentile(95) if free8 else 0:12.0f} "
            f"{pg_free8.percentile(95) if pg_free8 else 0:12.0f}   < 150 ms",
            f"    {'buttons at 32, msg/s':34} {buttons32.rate:12.0f} {pg_buttons32.rate:12.0f}",
            f"    {'buttons / free text at 32':34} {buttons32.rate / free32.rate:11.1f}x "
            f"{pg_buttons32.rate / pg_free32.rate:11.1f}x   >= 10 x",
        ]
    for name, seconds in ready.items():
        lines.append(f"  ready: {name} {seconds:.1f} s")
    for name, rss in peak.items():
        lines.append(f"  peak resident memory: {name} {rss / 2**20:.0f} MiB ({rss / 1e9:.2f} GB)")
    if len(soak) > 2:
        first, last = soak[1][1], soak[-1][1]
        lines.append(
            f"  soak: {soak[-1][0]} messages, {first / 2**20:.0f} MiB after {soak[1][0]} -> "
            f"{last / 2**20:.0f} MiB at the end ({(last - first) / 2**20:+.0f} MiB)   target < 1.3 GB, flat"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
