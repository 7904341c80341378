"""Benchmark the command line's start-up (run by hand).

    .venv/bin/python benchmarks/bench_cli.py [--repeat 7] [--reports DIR] [--period latest]

Times, as commands (a fresh Python each time, as an analyst or cron sees them), the median, fastest and
slowest of ``--repeat`` runs of:

- ``lsp-research --help`` (imports no command module);
- ``lsp-research data build --quiet`` with nothing changed;
- ``lsp-research run --period P --dry-run`` (plans and checks the cache, runs nothing);
- ``lsp-research run --period P --quiet`` with nothing changed since the last run (the no-change rerun).

The no-change rerun needs a published period: unless ``--reports`` names a folder where it is up to date,
the period is first run once, untimed, into a temporary reports folder (the whole programme: a minute or
two). Target: about a second for ``--help`` and the no-change rerun.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
sys.path.insert(0, str(Path(__file__).parent))
from bench_runner import _machine  # noqa: E402


def _time(command: list[str], env: dict[str, str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--period", default="latest")
    parser.add_argument("--reports", type=Path, default=None, help="an up-to-date reports folder")
    args = parser.parse_args(argv)

    cli = str(BIN / "lsp-research")
    workdir = None
    reports = args.reports
    if reports is None:
        workdir = Path(tempfile.mkdtemp(prefix="lsp-bench-cli-"))
        reports = workdir / "reports"
    env = {**os.environ, "LSP_REPORTS_DIR": str(reports.resolve())}
    print(f"machine: {_machine()}")
    try:
        if workdir is not None:
            print(f"first run of {args.period} into {reports} (untimed) ...", flush=True)
            subprocess.run([cli, "run", "--period", args.period, "--quiet"], env=env, check=True)
        cases = {
            "lsp-research --help": [cli, "--help"],
            "data build --quiet (nothing changed)": [cli, "data", "build", "--quiet"],
            f"run --period {args.period} --dry-run": [cli, "run", "--period", args.period, "--dry-run"],
            f"run --period {args.period} --quiet (no-change rerun)": [
                cli, "run", "--period", args.period, "--quiet",
            ],
        }  # fmt: skip
        subprocess.run(cases[next(reversed(cases))], env=env, check=True, capture_output=True)
        print(
            f"\n{'command':<52} {'median':>8} {'fastest':>8} {'slowest':>8}  ({args.repeat} runs)"
        )
        for name, command in cases.items():
            t = _time(command, env, args.repeat)
            print(f"{name:<52} {statistics.median(t):7.2f}s {min(t):7.2f}s {max(t):7.2f}s")
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
