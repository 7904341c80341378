"""Benchmark the programme runner against the naive way and against the floor (run by hand).

    .venv/bin/python benchmarks/bench_runner.py [--period latest] [--jobs 2] [--naive-sample 1]
        [--only NOTEBOOK ...] [--wards 25,100,400] [--profile-sample 4] [--data-dir DIR]
        [--skip naive|floor|growth|rerun|wards ...]

On the default programme (``programme.yml``) for one quarter, side by side in one run:

runner
    ``lsp-research run`` from a cold cache (``force``): validation, warm forked kernels, export of every
    tier in the workers, audit, index, atomic publish.
naive
    for each run, the ``papermill`` command, then one ``jupyter nbconvert --to html --no-input``
    command per tier, one after another. ``--naive-sample K`` times K runs of each notebook and
    scales by the number of runs of that notebook (``--naive-sample 0`` runs them all).
floor
    the same analysis code, no Jupyter: one Python process executes every run's code cells (the
    parameters cell, then the run's parameters, then the rest) with charts rendered to PNG and tables
    to HTML by the notebooks' own calls; nothing is exported. Measured twice: in one process, and in
    ``--jobs`` processes at once (runs dealt out in turn), the same number as the runner's workers.
profiles x wards
    the seconds of one ward profile (mean of ``--profile-sample`` profiles, inside the runner's
    workers, after the first run in each worker, which boots its kernel server and may compute the
    period's shared table, printed apart) on the default 25 wards and on synthetic geographies of 100
    and 400 wards (``lsp-research data synth --wards N`` into a temporary folder, then ``data
    build``); the whole set of profiles costs N times that, so 100 -> 400 wards is
    ``4 * t400 / t100``.
growth
    the runner (``force``) on the notebook with the most parameter sets, over N sets and over 4N.
no-change rerun
    ``lsp-research run`` as a command, nothing changed since the previous run.

Ratios printed: naive / runner (target at least 5), runner / floor (target at most 2; at most 1.25 on
the same number of processes), growth for 4x the sets (target at most about 4), the profiles for 4x the
wards (at most 4.2), one profile at 400 against 25 wards (at most 1.2), and the no-change rerun (target
about 1 s). ``--skip rerun`` stops after the runner, the floor on ``--jobs`` processes and the profiles.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), "
        f"Python {platform.python_version()}; load average {load}"
    )


def _plan(period: str):
    from lsp_research.config import get_paths
    from lsp_research.periods import resolve
    from lsp_research.reporting.parameters import Areas, available_periods
    from lsp_research.reporting.programme import load_programme
    from lsp_research.reporting.runner import plan

    prog = load_programme()
    periods = available_periods()
    quarter = resolve(period, periods)
    return prog, quarter, plan(prog, quarter, periods, Areas.from_processed(get_paths().processed))


# ----------------------------------------------------------------------------------------------- floor


def floor_worker(plan_file: str) -> None:
    """Run every planned run's code cells in this one process (called in a subprocess)."""
    t0 = time.perf_counter()
    os.environ.setdefault("MPLBACKEND", "Agg")
    runs = json.loads(Path(plan_file).read_text())
    import matplotlib.pyplot as plt
    from IPython.core.interactiveshell import InteractiveShell

    # a plain IPython shell (no kernel, no messaging), so display() formats every rich output
    # (HTML tables, PNG charts) exactly as in a kernel, then prints the text form to a sink
    InteractiveShell.instance()
    outputs = 0
    for run in runs:
        nb = json.loads(Path(run["notebook"]).read_text())
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        namespace: dict = {"__name__": "__main__"}
        for i, cell in enumerate(cells):
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            src = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
            sink = io.StringIO()
            with contextlib.redirect_stdout(sink):
                exec(compile(src, f"{run['key']}[{i}]", "exec"), namespace)
                if "parameters" in cell.get("metadata", {}).get("tags", []):
                    namespace.update(run["parameters"])  # papermill's injected cell
            outputs += len(sink.getvalue())
        plt.close("all")
    print(json.dumps({"seconds": time.perf_counter() - t0, "output_chars": outputs}))


def run_floor(planned, workdir: Path, processes: int = 1) -> float:
    """The floor in ``processes`` plain Python processes at once (runs dealt out in turn); wall time."""
    runs = [
        {"key": f"{e.name}/{s.set_id}", "notebook": str(e.path), "parameters": values}
        for e, s, values in planned
    ]
    processes = max(1, min(processes, len(runs)))
    procs = []
    t0 = time.perf_counter()
    for k in range(processes):
        plan_file = workdir / f"floor-plan-{processes}-{k}.json"
        plan_file.write_text(json.dumps(runs[k::processes], default=str))
        procs.append(
            subprocess.Popen(
                [sys.executable, __file__, "--floor-worker", str(plan_file)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ROOT / "notebooks",
            )
        )
    inner = []
    for proc in procs:
        stdout, stderr = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"the floor failed:\n{stderr[-3000:]}")
        inner.append(json.loads(stdout.strip().splitlines()[-1])["seconds"])
    elapsed = time.perf_counter() - t0
    print(
        f"  floor: {elapsed:.1f} s for {len(runs)} runs in {processes} process(es) "
        f"({', '.join(f'{x:.1f}' for x in inner)} s inside them, imports included)"
    )
    return elapsed


# ----------------------------------------------------------------------------------------------- naive


_HIDE = {
    "board": ["executive", "operational", "parameters", "injected-parameters"],
    "executive": ["operational", "parameters", "injected-parameters"],
    "operational": ["parameters", "injected-parameters"],
}


def naive_one(entry, set_id, values, workdir: Path) -> float:
    """The papermill command, then one nbconvert command per tier; returns seconds."""
    out_nb = workdir / f"{entry.name}-{set_id}.ipynb"
    cmd = [str(BIN / "papermill"), "-k", "lsp-research", "--no-progress-bar"]
    for k, v in values.items():
        cmd += ["-y", json.dumps({k: v})]
    cmd += [str(entry.path), str(out_nb)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=entry.path.parent)
    for tier in entry.tiers:
        tags = json.dumps(_HIDE[tier])
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
             "--TagRemovePreprocessor.enabled=True",
             f"--TagRemovePreprocessor.remove_cell_tags={tags}",
             "--output", f"{entry.name}-{set_id}-{tier}", "--output-dir", str(workdir),
             str(out_nb)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    return time.perf_counter() - t0


def run_naive(planned, workdir: Path, sample: int) -> tuple[float, bool]:
    by_entry: dict[str, list] = {}
    for e, s, values in planned:
        by_entry.setdefault(e.name, []).append((e, s, values))
    total, extrapolated = 0.0, False
    for name, runs in by_entry.items():
        chosen = runs if sample <= 0 else runs[:sample]
        times = [naive_one(e, s.set_id, v, workdir) for e, s, v in chosen]
        mean = sum(times) / len(times)
        total += mean * len(runs)
        extrapolated |= len(chosen) < len(runs)
        note = f", {len(chosen)} timed and scaled to {len(runs)}" if len(chosen) < len(runs) else ""
        print(f"  naive {name}: {mean:.1f} s a run{note}")
    return total, extrapolated


# ---------------------------------------------------------------------------------------------- runner


class _Done(Exception):
    """The parts asked for are measured (``--skip rerun`` ends there)."""


def run_runner(
    out: Path, period: str, jobs: int, programme: Path | None = None, only=None
) -> float:
    from lsp_research.reporting.runner import run_programme

    t0 = time.perf_counter()
    summary = run_programme(
        period, jobs=jobs, force=True, quiet=True, out=out, programme=programme, only=only
    )
    elapsed = time.perf_counter() - t0
    c = summary.counts
    if c["failed"]:
        print(summary.table())
    return elapsed


def growth_programmes(prog, planned, workdir: Path) -> tuple[Path, Path, int, str]:
    """Two programmes over the notebook with the most sets: N sets and 4N sets."""

    counts: dict[str, int] = {}
    for e, _, _ in planned:
        counts[e.name] = counts.get(e.name, 0) + 1
    name = max(counts, key=counts.get)
    entry = prog.get(name)
    sets = [s.set_id for e, s, _ in planned if e.name == name]
    n = max(1, len(sets) // 4)
    paths = [programme_file(prog, entry, sets[:k], workdir / f"growth-{k}.yml") for k in (n, 4 * n)]
    return paths[0], paths[1], n, name


def programme_file(prog, entry, sets: list[str], path: Path) -> Path:
    """A programme of one entry of ``prog`` over the parameter sets ``sets``."""
    import yaml

    inputs = [
        str((prog.root / i).resolve()) if ("/" in i or Path(i).suffix) else i for i in entry.inputs
    ]
    item = {
        "notebook": str(entry.path),
        "name": entry.name,
        "over": list(sets),
        "tiers": list(entry.tiers),
        "inputs": inputs,
        "parameters": dict(entry.parameters),
    }
    path.write_text(yaml.safe_dump({"version": 1, "notebooks_dir": "/", "notebooks": [item]}))
    return path


# ------------------------------------------------------------------------------------ profiles x wards


def synth_data(n: int, root: Path) -> tuple[Path, Path]:
    """Raw and processed folders of a synthetic geography of ``n`` wards under ``root`` (written with
    ``lsp-research data synth --wards n`` and built, unless already there)."""
    raw, processed = root / f"w{n}" / "raw", root / f"w{n}" / "processed"
    if not (processed / "manifest.json").is_file():
        cli = str(BIN / "lsp-research")
        env = {**os.environ, "LSP_RAW_DIR": str(raw), "LSP_PROCESSED_DIR": str(processed)}
        t0 = time.perf_counter()
        # the generator refuses to write a geography over the configured raw folder, so it runs
        # without LSP_RAW_DIR; the build then reads what it wrote
        subprocess.run([cli, "data", "synth", "--wards", str(n), "--out", str(raw), "--force"],
                       check=True, capture_output=True)  # fmt: skip
        subprocess.run([cli, "data", "build"], check=True, capture_output=True, env=env)
        print(f"  {n} wards: synthetic data written and built in {time.perf_counter() - t0:.0f} s")
    return raw, processed


def profile_times(prog, period: str, jobs: int, sizes, sample: int, workdir: Path, data: Path):
    """Seconds per ward profile (mean of ``sample`` profiles, inside the workers) for each geography
    size: 25 is the default data, other sizes synthetic (:func:`synth_data`)."""
    import pandas as pd

    from lsp_research.config import get_paths

    entry = prog.get("ward_profile")
    out = {}
    for n in sizes:
        raw, processed = (
            (get_paths().raw, get_paths().processed) if n == 25 else synth_data(n, data)
        )
        names = ("LSP_RAW_DIR", "LSP_PROCESSED_DIR", "LSP_PLACE")
        saved = {k: os.environ.get(k) for k in names}
        os.environ.update({"LSP_RAW_DIR": str(raw), "LSP_PROCESSED_DIR": str(processed)})
        if (raw / "place.yml").is_file():  # a synthetic geography's own place (names, wards)
            os.environ["LSP_PLACE"] = str(raw / "place.yml")
        try:
            codes = sorted(pd.read_parquet(processed / "wards.parquet")["ward_code"])
            step = max(1, len(codes) // (sample + jobs))
            # the first run in each worker boots its kernel server and, the first time a period is
            # run, computes the period's shared table: those ``jobs`` runs go first and are not timed
            sets = codes[::step][: sample + jobs]
            programme = programme_file(prog, entry, sets, workdir / f"profiles-{n}.yml")
            from lsp_research.reporting.runner import run_programme

            summary = run_programme(
                period, jobs=jobs, force=True, quiet=True, out=workdir / f"p{n}",
                programme=programme,
            )  # fmt: skip
        finally:
            for k, v in saved.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        ran = [r for r in summary.records if r.status == "ran"]
        if len(ran) != len(sets):
            print(summary.table())
            raise SystemExit(f"ward profiles at {n} wards: {len(sets) - len(ran)} did not run")
        warmup = [r.seconds for r in summary.records[:jobs]]  # submitted first
        secs = [r.seconds for r in summary.records[jobs:]]
        out[n] = sum(secs) / len(secs)
        print(
            f"  ward profile at {n} wards: {out[n]:.1f} s a profile ({len(secs)} timed; the "
            f"first in each worker, not timed: {', '.join(f'{v:.1f}' for v in warmup)} s)"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--period", default="latest")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--naive-sample", type=int, default=1, help="runs timed per notebook; 0 = all"
    )
    parser.add_argument(
        "--skip", action="append", default=[], help="naive, floor, growth, rerun, wards"
    )
    parser.add_argument("--only", action="append", default=None, help="notebook names to run")
    parser.add_argument(
        "--wards", default="25,100,400", help="geography sizes for the profile times"
    )
    parser.add_argument("--profile-sample", type=int, default=4, help="profiles timed per size")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the synthetic geographies here"
    )
    parser.add_argument("--floor-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor_worker:
        floor_worker(args.floor_worker)
        return

    from lsp_research.reporting.execute import skip_slow_optional_imports

    skip_slow_optional_imports()
    print(f"machine: {_machine()}")
    prog, quarter, planned = _plan(args.period)
    if args.only:
        planned = [p for p in planned if p[0].name in args.only]
    notebooks = sorted({e.name for e, _, _ in planned})
    print(
        f"programme: {len(notebooks)} notebooks ({', '.join(notebooks)}), {len(planned)} runs for "
        f"{quarter}; runner with --jobs {args.jobs}"
    )
    workdir = Path(tempfile.mkdtemp(prefix="lsp-bench-"))
    results: dict[str, float] = {}
    try:
        out = workdir / "reports"
        results["runner"] = run_runner(out, str(quarter), args.jobs, only=args.only)
        print(f"  runner: {results['runner']:.1f} s")
        if "floor" not in args.skip:
            results["floor_jobs"] = run_floor(planned, workdir, args.jobs)
        if "wards" not in args.skip:
            sizes = [int(x) for x in args.wards.split(",")]
            data = args.data_dir or workdir / "geographies"
            results["profile"] = profile_times(
                prog, str(quarter), args.jobs, sizes, args.profile_sample, workdir, data
            )
        if "rerun" in args.skip:
            raise _Done

        env = {**os.environ, "LSP_REPORTS_DIR": str(out)}
        command = [str(BIN / "lsp-research"), "run", "--period", str(quarter), "--quiet"]
        # twice: if someone edited the package during the first run, the first of these re-runs
        # what that invalidated (a code change must re-run), and the second is the no-change rerun
        for _ in range(2):
            t0 = time.perf_counter()
            done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
            results["rerun"] = time.perf_counter() - t0
        print(f"  {done.stdout.strip().splitlines()[0]}")
        from lsp_research.reporting.runner import run_programme

        t0 = time.perf_counter()
        run_programme(str(quarter), quiet=True, out=out)
        results["rerun_inside"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from lsp_research.cli import build_parser; build_parser()"],
            check=True,
        )
        results["cli_start"] = time.perf_counter() - t0
        print(
            f"  no-change rerun: {results['rerun']:.2f} s as a command, of which "
            f"{results['cli_start']:.2f} s is starting Python and building the command's parser "
            f"(importing every command module); {results['rerun_inside']:.2f} s inside the runner"
        )
        if args.jobs != 1:
            results["runner_1"] = run_runner(workdir / "j1", str(quarter), 1)
            print(f"  runner with --jobs 1: {results['runner_1']:.1f} s")

        if "floor" not in args.skip:
            results["floor"] = run_floor(planned, workdir)
        if "naive" not in args.skip:
            naive_dir = workdir / "naive"
            naive_dir.mkdir()
            results["naive"], extrapolated = run_naive(planned, naive_dir, args.naive_sample)
            print(f"  naive: {results['naive']:.1f} s" + (" (scaled)" if extrapolated else ""))
        if "growth" not in args.skip:
            small, large, n, name = growth_programmes(prog, planned, workdir)
            results["growth_n"] = run_runner(workdir / "g1", str(quarter), args.jobs, small)
            results["growth_4n"] = run_runner(workdir / "g4", str(quarter), args.jobs, large)
            print(
                f"  growth ({name}): {n} sets {results['growth_n']:.1f} s, "
                f"{4 * n} sets {results['growth_4n']:.1f} s"
            )
    except _Done:
        pass
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print("\nresults")
    r = results
    print(f"  runner, cold cache              {r['runner']:8.1f} s")
    if "floor_jobs" in r:
        print(
            f"  floor, {args.jobs} processes             {r['floor_jobs']:8.1f} s   runner / floor = "
            f"{r['runner'] / r['floor_jobs']:.2f}x on the same {args.jobs} processes (target <= 1.25)"
        )
    if "profile" in r:
        p = r["profile"]
        print(
            "  ward profile (s a profile)      "
            + ", ".join(f"{n} wards {t:.1f}" for n, t in p.items())
        )
        if 100 in p and 400 in p:
            print(
                f"  profiles, 100 -> 400 wards      every profile: {400 * p[400]:.0f} s against "
                f"{100 * p[100]:.0f} s = {4 * p[400] / p[100]:.2f}x for 4x the wards (target <= 4.2)"
            )
        if 25 in p and 400 in p:
            print(f"  one profile, 400 / 25 wards     {p[400] / p[25]:.2f}x (target <= 1.2)")
    if "rerun" not in r:
        print(f"machine after: {_machine()}")
        return
    if "naive" in r:
        print(
            f"  naive (papermill + nbconvert)   {r['naive']:8.1f} s   naive / runner = "
            f"{r['naive'] / r['runner']:.1f}x (target >= 5)"
        )
    if "floor" in r:
        print(
            f"  floor (one process, no Jupyter) {r['floor']:8.1f} s   runner / floor = "
            f"{r['runner'] / r['floor']:.2f}x (target <= 2)"
        )
        if "runner_1" in r:
            print(
                f"  runner, --jobs 1                {r['runner_1']:8.1f} s   runner / floor = "
                f"{r['runner_1'] / r['floor']:.2f}x on one core"
            )
    if "growth_n" in r:
        print(
            f"  growth, 4x the parameter sets   {r['growth_n']:.1f} s -> {r['growth_4n']:.1f} s = "
            f"{r['growth_4n'] / r['growth_n']:.2f}x (target <= ~4)"
        )
    print(
        f"  no-change rerun (command)       {r['rerun']:8.2f} s   (target ~1 s; "
        f"{r['rerun_inside']:.2f} s in the runner, {r['cli_start']:.2f} s command start-up)"
    )
    print(f"machine after: {_machine()}")


if __name__ == "__main__":
    main()
