"""Retraining the NLU model from scratch: `uv run python bench/train_time.py [--runs N]`.

Each run is a new Python process (Rasa's and TensorFlow's imports included, as `assistant nlu
train` pays them) that trains into a temporary folder (the served models/ is left alone) with an
empty Rasa cache of its own (Rasa otherwise reuses the components it trained before with the
same settings, from .rasa/cache, and a run is no longer from scratch). Prints each run's wall
time and the largest peak memory of a run.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAIN = "import sys; from pathlib import Path; import nlu; nlu.train(Path(sys.argv[1]), force=True)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="train-bench-") as folder:
            env = {**os.environ, "RASA_CACHE_DIRECTORY": str(Path(folder) / "cache")}
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", TRAIN, folder], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
        print(f"run {run + 1}: trained from scratch in {times[-1]:.1f} s", flush=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"training time: median {statistics.median(times):.1f} s, min {min(times):.1f} s, max {max(times):.1f} s "
          f"over {len(times)} run(s), each a new process; peak memory {peak:.0f} MiB (target: under 90 s)")


if __name__ == "__main__":
    main()
