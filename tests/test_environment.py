"""environment.yml (conda users) names exactly the dependencies of pyproject.toml, pinned in the lock."""

import ast
import importlib.metadata
import re
import sys
import tomllib

import yaml

from lsp_research.config import PROJ_ROOT


def _norm(name: str) -> str:
    return re.split(r"[<>=!~\[; ]", name.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_deps() -> set[str]:
    data = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())
    deps = list(data["project"]["dependencies"])
    for extra in data["project"].get("optional-dependencies", {}).values():
        deps += extra
    return {_norm(d) for d in deps}


def _conda_deps() -> set[str]:
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    names = set()
    for item in env["dependencies"]:
        if isinstance(item, str):
            names.add(_norm(item))
        else:  # a nested pip: section
            names |= {_norm(x) for x in item.get("pip", [])}
    return names - {"python", "pip"}


def test_environment_yml_matches_pyproject():
    pyproject, conda = _pyproject_deps(), _conda_deps()
    assert pyproject - conda == set(), f"missing from environment.yml: {sorted(pyproject - conda)}"
    assert conda - pyproject == set(), f"not in pyproject.toml: {sorted(conda - pyproject)}"


def test_environment_python_matches_pyproject():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_lock_pins_every_dependency():
    lock = (PROJ_ROOT / "requirements.lock").read_text()
    pinned = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==", lock, re.M)}
    pinned = {p.replace("_", "-") for p in pinned}
    missing = _pyproject_deps() - pinned
    assert not missing, f"run 'make lock': not pinned in requirements.lock: {sorted(missing)}"


#: Runtime dependencies the code uses without importing them: (file, text that shows the use).
USED_WITHOUT_IMPORT = {
    "dask": ("lsp_research/reporting/execute.py", "dask worker"),  # the workers' command
    "jupyterlab": ("Makefile", "jupyter lab"),  # make lab
    "openpyxl": ("lsp_research/data/loaders.py", 'engine="openpyxl"'),  # pandas reads Excel with it
    "pyogrio": ("lsp_research/geo.py", 'engine="pyogrio"'),  # geopandas reads boundaries with it
}


def _runtime_deps() -> set[str]:
    data = tomllib.loads((PROJ_ROOT / "pyproject.toml").read_text())
    return {_norm(d) for d in data["project"]["dependencies"]}


def _imported_top_level() -> set[str]:
    """Top-level modules imported anywhere in the package, the notebooks' scripts and benchmarks."""
    files = [*(PROJ_ROOT / "lsp_research").rglob("*.py"), *(PROJ_ROOT / "notebooks").glob("*.py")]
    files += (PROJ_ROOT / "benchmarks").glob("*.py")
    names = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def _import_names() -> dict[str, set[str]]:
    """Distribution name -> the top-level modules it installs."""
    out: dict[str, set[str]] = {}
    for module, dists in importlib.metadata.packages_distributions().items():
        for d in dists:
            out.setdefault(_norm(d), set()).add(module)
    return out


def test_every_declared_dependency_is_used():
    """A dependency is imported somewhere, or named in USED_WITHOUT_IMPORT with the place it is used
    (seaborn was removed: no chart needed it).
    """
    imported, modules = _imported_top_level(), _import_names()
    unused = sorted(
        d
        for d in _runtime_deps()
        if not modules.get(d, set()) & imported and d not in USED_WITHOUT_IMPORT
    )
    assert unused == [], f"declared in pyproject.toml but never used: {unused}"
    for dist, (rel, text) in USED_WITHOUT_IMPORT.items():
        assert dist in _runtime_deps(), dist
        assert text in (PROJ_ROOT / rel).read_text(encoding="utf-8"), (dist, rel, text)


def test_every_third_party_import_is_declared():
    declared = set().union(*(_import_names().get(d, set()) for d in _pyproject_deps()))
    third_party = {
        m
        for m in _imported_top_level() - set(sys.stdlib_module_names)
        if m not in ("lsp_research", "bench_runner", "_common")
    }
    assert sorted(third_party - declared) == []


def test_loadgroup_runs_a_group_on_one_worker(tmp_path):
    """``make test`` shares its costliest fixtures (the default run, the small-area run, the readers'
    site) by sending each ``xdist_group`` to one worker; a pytest that silently stops grouping (9.2 with
    pytest-xdist 3.8) builds each of them on every worker instead."""
    import subprocess

    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n\n"
        "@pytest.mark.xdist_group('shared')\n"
        "@pytest.mark.parametrize('i', range(4))\n"
        "def test_one(i):\n"
        "    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n\n"
        "@pytest.mark.xdist_group('shared')\n"
        "def test_two():\n"
        "    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-rA", "-q",
         "-p", "no:cacheprovider", "test_grouped.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    workers = re.findall(r"^WORKER (gw\d+)$", done.stdout, re.M)
    assert len(workers) == 5 and len(set(workers)) == 1, done.stdout
