"""The three rooms stay apart: the core, the translator and the lessons' helpers.

The README's layout section promises it: the core (`tf_lstm/*.py`) imports
neither `tf_lstm.translation` nor `tf_lstm.lessons` (only the command line
drives the translator), and the translator never imports the lessons. Read from
the source with `ast`, so a late import inside a function counts too.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tf_lstm"
ALLOWED = {"cli.py", "commands.py", "__init__.py", "__main__.py"}  # the command line sees every room


def _imports(path):
    """Every module name `path` imports, absolute or relative."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _reaches(names, room):
    return sorted(n for n in names if n == room or n.startswith(room + "."))


CORE = sorted(p for p in PACKAGE.glob("*.py") if p.name not in ALLOWED)
TRANSLATION = sorted((PACKAGE / "translation").glob("*.py"))


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_the_core_imports_neither_the_translator_nor_the_lessons(path):
    names = _imports(path)
    assert not _reaches(names, "tf_lstm.translation") + _reaches(names, "tf_lstm.lessons")


@pytest.mark.parametrize("path", TRANSLATION, ids=lambda p: p.name)
def test_the_translator_never_imports_the_lessons(path):
    assert not _reaches(_imports(path), "tf_lstm.lessons")


def test_the_check_sees_an_import_of_another_room(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from tf_lstm.lessons import masks\n", encoding="utf-8")
    assert _reaches(_imports(module), "tf_lstm.lessons") == ["tf_lstm.lessons",
                                                              "tf_lstm.lessons.masks"]
    assert len(CORE) >= 7 and len(TRANSLATION) >= 12
