"""Each notebook has the shape of a lesson (issue 14), checked on its source.

The shape, in order:

    # Title in English · 中文标题          first cell: navigation and the glossary link
    ## Learning goals · 学习目标            3 to 5 bullets
    ... the lesson: headings in both languages, one `FAST = style.setup()` line ...
    ## What to remember · 记住这些          bullets
    ## 要点 · Summary in Chinese           at least 300 Chinese characters
    ## Exercises · 练习                    at least 3: **Check.**, **Code.**, **Open.**
    ## Going further · 深入                 optional: deep dives for experts
    ## Solutions · 参考答案                 one `### Solution to exercise N · ...`
                                           per coding exercise, whose code asserts

The main path (everything before the exercises) reads in at most about 25
minutes: English prose at 150 words a minute, Chinese at 300 characters a
minute, code at 15 lines a minute. Whether the solutions run and their
assertions hold is checked by running the notebooks (tests/test_notebooks.py).
"""

import pathlib
import re

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MINUTES = 25

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
HEADING = re.compile(r"^(#{1,4}) (.+)$", flags=re.M)
LINK = re.compile(r"\]\(([^)\s]+)\)")
EXERCISE = re.compile(r"^\s*(\d+)\. \*\*(Check|Code|Open)\.\*\*", flags=re.M)
SOLUTION = re.compile(r"^### Solution to exercise (\d+) · ", flags=re.M)

REQUIRED = [  # level-2 headings every lesson has, in this order
    "## Learning goals · 学习目标",
    "## What to remember · 记住这些",
    "## 要点 · Summary in Chinese",
    "## Exercises · 练习",
    "## Solutions · 参考答案",
]
GOING_FURTHER = "## Going further · 深入"


def _ids(paths):
    return [p.name for p in paths]


def _markdown(notebook):
    return [c.source for c in notebook.cells if c.cell_type == "markdown"]


def _sections(notebook):
    """The cells grouped under each level-2 heading: {heading: [cells]}, in order."""
    sections, current = {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("## "):
                    current = line.strip()
                    sections.setdefault(current, [])
        sections.setdefault(current, []).append(cell)
    return sections


def _main_path(notebook):
    cells = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and REQUIRED[3] in cell.source:
            break
        cells.append(cell)
    return cells


def reading_minutes(cells):
    """Minutes to read `cells`: 150 English words, 300 Chinese characters, 15 code lines."""
    minutes = 0.0
    for cell in cells:
        if cell.cell_type == "markdown":
            text = re.sub(r"\]\([^)]*\)", "]", cell.source)  # link targets are not read
            minutes += len(CJK.findall(text)) / 300
            minutes += len(re.findall(r"[A-Za-z0-9]+(?:['’-][A-Za-z]+)*", text)) / 150
        elif cell.cell_type == "code":
            minutes += sum(1 for line in cell.source.splitlines() if line.strip()) / 15
    return minutes


@pytest.fixture(params=NOTEBOOKS, ids=_ids(NOTEBOOKS))
def lesson(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_lessons():
    assert len(NOTEBOOKS) >= 7


def test_the_required_sections_come_in_order(lesson):
    path, notebook = lesson
    headings = [h for h in _sections(notebook) if h]
    found = [h for h in headings if h in REQUIRED]
    assert found == REQUIRED, f"{path.name}: level-2 headings {found}, expected {REQUIRED}"
    if GOING_FURTHER in headings:
        assert REQUIRED[3] in headings[:headings.index(GOING_FURTHER)], (
            "Going further comes after the exercises")
    assert headings[-1] == REQUIRED[-1], "the solutions come last"


def test_every_heading_is_in_english_and_chinese(lesson):
    path, notebook = lesson
    for source in _markdown(notebook):
        for hashes, title in HEADING.findall(source):
            if len(hashes) <= 3:
                assert CJK.search(title) and LATIN.search(title), (
                    f"{path.name}: heading {title!r} needs both languages")


def test_the_title_cell_links_the_glossary_and_the_neighbours(lesson):
    path, notebook = lesson
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# ")
    targets = set(LINK.findall(first.source))
    assert "glossary.md" in targets, f"{path.name}: link the glossary (术语表) in the first cell"
    position = NOTEBOOKS.index(path)
    neighbours = NOTEBOOKS[max(position - 1, 0):position] + NOTEBOOKS[position + 1:position + 2]
    for neighbour in neighbours:
        assert neighbour.name in targets, f"{path.name}: link {neighbour.name} in the first cell"


def test_goals_are_three_to_five_bullets(lesson):
    path, notebook = lesson
    text = "\n".join(c.source for c in _sections(notebook)[REQUIRED[0]])
    bullets = re.findall(r"^[-*] ", text, flags=re.M)
    assert 3 <= len(bullets) <= 5, f"{path.name}: {len(bullets)} learning goals"


def test_what_to_remember_has_bullets(lesson):
    path, notebook = lesson
    text = "\n".join(c.source for c in _sections(notebook)[REQUIRED[1]])
    assert len(re.findall(r"^[-*] ", text, flags=re.M)) >= 3


def test_the_chinese_summary_is_at_least_300_characters(lesson):
    path, notebook = lesson
    text = "\n".join(c.source for c in _sections(notebook)[REQUIRED[2]]
                     if c.cell_type == "markdown")
    assert len(CJK.findall(text)) >= 300, f"{path.name}: {len(CJK.findall(text))} characters"


def test_exercises_are_graded_and_coding_ones_have_asserted_solutions(lesson):
    path, notebook = lesson
    sections = _sections(notebook)
    text = "\n".join(c.source for c in sections[REQUIRED[3]] if c.cell_type == "markdown")
    exercises = EXERCISE.findall(text)
    kinds = [kind for _, kind in exercises]
    assert len(exercises) >= 3 and {"Check", "Code", "Open"} <= set(kinds), (
        f"{path.name}: exercises {exercises}")
    coding = {int(number) for number, kind in exercises if kind == "Code"}
    solutions = {}
    current = None
    for cell in sections[REQUIRED[4]]:
        if cell.cell_type == "markdown":
            found = SOLUTION.findall(cell.source)
            current = int(found[-1]) if found else current
        elif current is not None:
            solutions.setdefault(current, []).append(cell.source)
    assert coding <= set(solutions), (
        f"{path.name}: coding exercises {sorted(coding)}, solutions {sorted(solutions)}")
    for number in coding:
        assert any(re.search(r"^\s*assert ", code, flags=re.M) for code in solutions[number]), (
            f"{path.name}: the solution to exercise {number} asserts nothing")


def test_setup_is_one_line_and_the_test_plumbing_stays_out_of_sight(lesson):
    path, notebook = lesson
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert code and re.search(r"^FAST = style\.setup\(\)", code[0], flags=re.M), (
        f"{path.name}: the first code cell sets up with `FAST = style.setup()`")
    for source in code:
        assert "TF_LSTM_FAST" not in source and "os.environ" not in source, (
            f"{path.name}: the test suite's plumbing belongs to style.setup()")
        assert "%config" not in source and "rcParams" not in source, (
            f"{path.name}: the figure style belongs to style.setup()")


def test_links_to_the_source_and_to_the_papers(lesson):
    path, notebook = lesson
    targets = [t for source in _markdown(notebook) for t in LINK.findall(source)]
    assert any(t.startswith("../tf_lstm/") for t in targets), f"{path.name}: link the module"
    assert any(t.startswith("https://") for t in targets), f"{path.name}: link the papers"
    for target in targets:
        if not re.match(r"[a-z]+:", target) and not target.startswith("#"):
            assert (path.parent / target.split("#")[0]).exists(), (
                f"{path.name}: broken link {target}")


def test_the_main_path_reads_in_about_25_minutes(lesson):
    path, notebook = lesson
    minutes = reading_minutes(_main_path(notebook))
    assert minutes <= MINUTES, f"{path.name}: the main path takes {minutes:.1f} minutes"


def test_the_glossary_covers_the_terms_the_issue_names():
    text = (ROOT / "notebooks" / "glossary.md").read_text(encoding="utf-8")
    for term in ["gate", "input gate", "forget gate", "output gate", "candidate",
                 "cell state", "hidden state", "teacher forcing", "attention",
                 "beam search", "BLEU", "padding", "mask"]:
        assert f"| {term}" in text, f"glossary: {term}"
    for target in LINK.findall(text):
        assert (ROOT / "notebooks" / target).exists(), f"glossary: broken link {target}"
