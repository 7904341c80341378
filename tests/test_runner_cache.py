"""The cache: an unchanged rerun starts no kernel; a changed input re-runs only the notebooks that read
it; ``force`` runs everything."""

from __future__ import annotations

import json

import pytest
from runner_helpers import FIXTURE_NOTEBOOKS, setup_env, write_targets

from lsp_research.reporting import cache
from lsp_research.reporting.runner import run_programme

ENTRIES = [
    {"notebook": "good.ipynb", "tiers": ["board"]},
    {"notebook": "targets.ipynb", "tiers": ["executive"]},
]


def _no_executor(**kwargs):
    raise AssertionError("an executor was started although every run should come from the cache")


def _status(summary):
    return {r.key: r.status for r in summary.records}


@pytest.mark.slow
def test_cache_hit_then_miss_after_one_input_changes(tmp_path, monkeypatch):
    env = setup_env(tmp_path, monkeypatch, ENTRIES)
    # the package's own fingerprint is covered below; pin it so that an edit to the package made
    # while this test runs (a shared working tree) cannot pose as a cache miss
    monkeypatch.setattr(cache, "code_fingerprint", lambda *args, **kwargs: "pinned")
    page = env["reports"] / "2009Q4" / "targets" / "city" / "targets-executive.html"

    first = run_programme("latest", jobs=2, quiet=True)
    assert _status(first) == {"good/city": "ran", "targets/city": "ran"}
    assert "Mean target: 55.00" in page.read_text()  # (50 + 60) / 2
    good_page = (env["reports"] / "2009Q4" / "good" / "city" / "good-board.html").read_bytes()

    # nothing changed: every run is a cache hit and no executor (no kernel) is started
    second = run_programme("latest", quiet=True, executor_factory=_no_executor)
    assert _status(second) == {"good/city": "cached", "targets/city": "cached"}
    assert second.exit_code == 0 and second.up_to_date  # the published period is left as it was
    assert (
        env["reports"] / "2009Q4" / "good" / "city" / "good-board.html"
    ).read_bytes() == good_page

    # one input changes: only the notebook that reads it runs again
    write_targets(env["processed"], 70.0)
    third = run_programme("latest", jobs=1, quiet=True)
    assert _status(third) == {"good/city": "cached", "targets/city": "ran"}
    assert "Mean target: 75.00" in page.read_text()  # (70 + 80) / 2
    log = json.loads((env["reports"] / ".internal" / "2009Q4" / "run.json").read_text())
    assert log["counts"] == {"ran": 1, "cached": 1, "failed": 0}

    # force ignores the cache; --only keeps the other notebooks' published reports
    forced = run_programme("latest", jobs=1, quiet=True, force=True, only=["good"])
    assert _status(forced) == {"good/city": "ran"}
    assert "Mean target: 75.00" in page.read_text()
    log = json.loads((env["reports"] / ".internal" / "2009Q4" / "run.json").read_text())
    assert [r["key"] for r in log["runs"]] == ["good/city"]
    assert [r["key"] for r in log["kept"]] == ["targets/city"]
    index = (env["reports"] / "2009Q4" / "index.html").read_text()
    assert "targets/city/targets-executive.html" in index and "good/city/good-board.html" in index


def test_key_follows_notebook_parameters_inputs_and_code():
    nb = json.loads((FIXTURE_NOTEBOOKS / "good.ipynb").read_text())
    h = cache.notebook_hash(nb)
    base = cache.run_key(h, {"period": "2009Q3"}, ["board"], {"table:a": "1"}, "pkg1")
    assert base == cache.run_key(h, {"period": "2009Q3"}, ["board"], {"table:a": "1"}, "pkg1")
    assert base != cache.run_key(h, {"period": "2009Q4"}, ["board"], {"table:a": "1"}, "pkg1")
    assert base != cache.run_key(h, {"period": "2009Q3"}, ["board"], {"table:a": "2"}, "pkg1")
    assert base != cache.run_key(h, {"period": "2009Q3"}, ["board"], {"table:a": "1"}, "pkg2")
    assert base != cache.run_key(h, {"period": "2009Q3"}, ["operational"], {"table:a": "1"}, "pkg1")
    # outputs and execution counts do not change the notebook's hash; a source edit does
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    nb["cells"][1]["execution_count"] = 7
    assert cache.notebook_hash(nb) == h
    nb["cells"][1]["source"] += "\n"
    assert cache.notebook_hash(nb) != h


def test_inputs_detected_declared_or_everything(tmp_path):
    nb = json.loads((FIXTURE_NOTEBOOKS / "good.ipynb").read_text())
    assert cache.detect_inputs(nb) == {"indicator_returns"}
    resolved = cache.resolve_inputs(["indicators.yml"], {"deaths"}, tmp_path / "p", tmp_path)
    assert resolved == {
        "file:indicators.yml": tmp_path / "indicators.yml",
        "table:deaths": tmp_path / "p" / "deaths.parquet",
    }
    assert cache.resolve_inputs([], set(), tmp_path / "p", tmp_path) == {"tables:*": tmp_path / "p"}


def test_file_hasher_remembers_and_notices_changes(tmp_path):
    f = tmp_path / "t.parquet"
    f.write_bytes(b"one")
    hasher = cache.FileHasher(tmp_path / "memo.json")
    first = hasher.hash(f)
    hasher.save()
    again = cache.FileHasher(tmp_path / "memo.json")
    assert again.hash(f) == first and not again._dirty  # answered from the memo
    f.write_bytes(b"two!")
    assert again.hash(f) != first
    assert again.hash(tmp_path / "absent.parquet") == "missing"


def test_a_comment_in_topics_alcohol_reruns_only_the_reports_that_import_it(tmp_path):
    import shutil

    from lsp_research.config import PACKAGE_DIR, PROJ_ROOT
    from lsp_research.reporting.kernels import notebook_imports
    from lsp_research.reporting.parameters import Areas
    from lsp_research.reporting.programme import load_programme

    package = tmp_path / "lsp_research"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    programme = load_programme(PROJ_ROOT / "programme.yml")
    imports = {
        e.name: notebook_imports(json.loads(e.path.read_text())) for e in programme.notebooks
    }

    def fingerprints():
        cache._CODE_FINGERPRINTS.clear()
        return {name: cache.code_fingerprint(mods, package) for name, mods in imports.items()}

    before = fingerprints()
    alcohol = package / "topics" / "alcohol" / "inputs.py"
    alcohol.write_text(alcohol.read_text() + "\n# a comment\n")
    after = fingerprints()
    rerun = {name for name in before if before[name] != after[name]}
    # alcohol_misuse imports it; the ward and area profiles import topics.profiles, which imports it
    assert rerun == {"alcohol_misuse", "ward_profile", "area_profile"}
    reaches = {
        name
        for name, mods in imports.items()
        if alcohol in cache.module_closure([*mods, *cache.RUN_MODULES], package)
    }
    assert rerun == reaches
    runs = {e.name: len(e.parameter_sets(Areas.from_domain())) for e in programme.notebooks}
    assert {"performance", "wellness_uptake"} <= set(runs) - rerun  # these stay cached
    assert sum(runs[n] for n in rerun) == 31  # of the default programme's 33 runs
    # a change in a module only the performance report reaches leaves the others alone
    report = package / "performance" / "report.py"
    report.write_text(report.read_text() + "\n# a comment\n")
    again = fingerprints()
    assert {name for name in after if after[name] != again[name]} == {"performance"}


def test_the_import_scan_finds_every_import_a_parse_finds():
    """The cache key's module closure scans sources with a regular expression (fast); for every module
    of the package it must find at least the package imports that a full parse finds."""
    import ast

    from lsp_research.reporting import cache

    def parsed(name, path):
        tree = ast.parse(path.read_bytes())
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else list(here)
                module = (
                    ".".join([*base, *([node.module] if node.module else [])])
                    if node.level
                    else node.module or ""
                )
                if module:
                    found.add(module)
                    found.update(f"{module}.{a.name}" for a in node.names if a.name != "*")
        return {m for m in found if m.split(".")[0] == "lsp_research"}

    checked = 0
    for path in cache.PACKAGE_DIR.rglob("*.py"):
        rel = path.relative_to(cache.PACKAGE_DIR.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if path.name == "__init__.py" else rel.parts)
        assert parsed(name, path) <= cache._imports_of(name, path), path
        checked += 1
    assert checked > 50
