"""The repository stands alone: nothing in it reads or links a path outside it.

A user's clone has no sibling folders, so a notebook, module, script or page that
reaches above the repository root (``../something`` one level too many, an
absolute path into the machine it was written on) fails for them. Every
tracked text file is scanned, and every relative link in Markdown (READMEs and
notebooks' Markdown cells) must point at a file inside the repository.
"""

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT_SUFFIXES = {".py", ".ipynb", ".md", ".toml", ".txt", ".cfg", ".sh", ".yml", ".yaml", ""}
# Absolute paths of the machines this project is developed on; built so that
# this file does not match itself.
FORBIDDEN = ("/work" + "/shared", "/work" + "/main", "shared" + "/seed", "shared" + "/data")
PARENT_RUN = re.compile(r"(?:\.\./)+")
# An absolute path on one machine (a home folder, a scratch folder).
ABSOLUTE = re.compile(r"(?<![\w.:/])/(?:home|Users|mnt|root)/\w")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _tracked_text_files():
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    others = subprocess.run(["git", "ls-files", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split()
    paths = [ROOT / n for n in names + others]
    return [p for p in paths if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name == "Makefile")
            and p.stat().st_size < 5_000_000 and "corpora" not in p.parts]


def _text(path, kinds=("code", "markdown", "raw")):
    """The file's text; for a notebook, the sources of its cells of `kinds` (not outputs)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        cells = json.loads(text)["cells"]
        return "\n".join("".join(cell["source"]) for cell in cells
                         if cell["cell_type"] in kinds)
    return text


def _escapes_root(path, relative):
    """Whether `relative`, read from `path`'s folder, lands outside the repository."""
    target = (path.parent / relative).resolve()
    return target != ROOT and ROOT not in target.parents


FILES = _tracked_text_files()


def test_the_scan_sees_the_files_that_matter():
    names = {p.relative_to(ROOT).as_posix() for p in FILES}
    assert {"README.md", "Makefile", "pyproject.toml", "tf_lstm/cli.py",
            "notebooks/08_faq.ipynb", "benchmarks/tatoeba.py"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_path_above_the_repository(path):
    text = _text(path)
    for forbidden in FORBIDDEN:
        assert forbidden not in text, f"{path.name} mentions {forbidden!r}"
    found = ABSOLUTE.search(text)
    assert not found, f"{path.name} names an absolute path of one machine: {found.group(0)!r}"
    for match in PARENT_RUN.finditer(text):
        tail = re.match(r"[\w.\-/]*", text[match.end():]).group(0)
        assert not _escapes_root(path, match.group(0) + tail), (
            f"{path.name} refers to {match.group(0) + tail!r}, outside the repository")


MARKDOWN = [p for p in FILES if p.suffix in (".md", ".ipynb")]


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_inside_the_repository(path):
    for target in LINK.findall(_text(path, kinds=("markdown",))):
        if re.match(r"[a-z]+:|#", target):  # http(s), mailto, anchors
            continue
        relative = target.split("#")[0]
        assert not _escapes_root(path, relative), f"{path.name} links {target!r} outside"
        assert (path.parent / relative).exists(), f"{path.name} links {target!r}: no such file"


def test_the_check_catches_a_path_above_the_repository(tmp_path):
    page = ROOT / "notebooks" / "example.md"
    assert _escapes_root(page, "../" * 2 + "elsewhere/article.md")
    assert not _escapes_root(page, "../tf_lstm/layers.py")
