"""environment.yml (conda users) names exactly the dependencies of pyproject.toml, pinned in the lock."""

import re
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
