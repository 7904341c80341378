"""``make lab``: JupyterLab rooted at the project, opening on the notebooks folder, ``--allow-root`` only
as root; notebooks saved from Lab (the exploratory ones too) update their paired scripts."""

from __future__ import annotations

import os
import shutil
import subprocess

import nbformat
import pytest

from lsp_research.config import PROJ_ROOT


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_lab_roots_lab_at_the_project_and_opens_the_notebooks_folder():
    done = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "lab"],
        cwd=PROJ_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    words = done.stdout.split()
    assert "--ServerApp.root_dir=." in words
    assert "--LabApp.default_url=/lab/tree/notebooks" in words
    assert ("--allow-root" in words) == (os.geteuid() == 0)
    assert not any(w.startswith("--notebook-dir") for w in words)


def _contents_manager(root):
    from jupyter_server.services.contents.filemanager import FileContentsManager
    from jupytext.sync_contentsmanager import build_sync_jupytext_contents_manager_class

    return build_sync_jupytext_contents_manager_class(FileContentsManager)(root_dir=str(root))


def test_saving_an_exploratory_notebook_in_lab_updates_its_script(tmp_path):
    exploratory = sorted((PROJ_ROOT / "notebooks" / "exploratory").glob("*.ipynb"))
    assert exploratory, "the project ships an exploratory notebook"
    rel = exploratory[0].relative_to(PROJ_ROOT)
    shutil.copy(PROJ_ROOT / "jupytext.toml", tmp_path)
    (tmp_path / rel).parent.mkdir(parents=True)
    shutil.copy(exploratory[0], tmp_path / rel)

    cm = _contents_manager(tmp_path)  # what Lab's server uses (jupytext's server extension)
    model = cm.get(rel.as_posix())
    model["content"].cells.append(nbformat.v4.new_code_cell("checked_on_save = True"))
    cm.save({"type": "notebook", "format": "json", "content": model["content"]}, rel.as_posix())
    script = (tmp_path / rel).with_suffix(".py")
    assert script.is_file() and "checked_on_save = True" in script.read_text()
    assert not script.read_text().startswith("# ---")  # no jupytext header: the hooks' form
