"""tf_lstm.files: a file appears complete or not at all."""

import json

import pytest

from tf_lstm import files


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("old")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        files.write_atomic(path, half_then_fail)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_the_writer_gets_a_temporary_path_with_the_same_suffix(tmp_path):
    seen = []
    path = tmp_path / "new" / "model.keras"  # the folder does not exist yet
    out = files.write_atomic(path, lambda tmp: (seen.append(tmp), tmp.write_bytes(b"x")))
    assert out == path and path.read_bytes() == b"x"
    assert seen[0] != path and seen[0].parent == path.parent and seen[0].suffix == ".keras"
    assert not seen[0].exists()


def test_write_text_and_write_json_replace_the_file(tmp_path):
    path = tmp_path / "r.json"
    files.write_text(path, "not json")
    files.write_json(path, {"bleu": 98.2, "langue": "français"})
    text = path.read_text(encoding="utf-8")
    assert json.loads(text) == {"bleu": 98.2, "langue": "français"}
    assert "français" in text and text.endswith("\n")
