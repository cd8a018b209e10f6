"""tf_lstm.translation.export: .keras and SavedModel round trips, checked in a fresh process;
nothing replaced that export did not write; corrupt .keras files named as such."""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from tf_lstm.translation import export
from tf_lstm.translation.inference import StringTranslator


@pytest.mark.slow  # 5-12 s: make test runs it, make test-quick leaves it out
def test_keras_and_saved_model_reload_in_a_fresh_process(tiny_model, tiny_splits,
                                                        tmp_path):
    english = [e for e, _ in tiny_splits["test"][:8]]
    translator = StringTranslator(tiny_model)
    expected = {"greedy": translator.translate(english),
                "beam4": translator.translate(english, beam_width=4)}
    export.save_keras(tiny_model, tmp_path / "model.keras")
    export.export_saved_model(tiny_model, tmp_path / "saved")
    assert not list(tmp_path.glob("*.tmp*"))  # atomic writes left nothing behind
    assert export.is_our_saved_model(tmp_path / "saved")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "saved").stat().st_mode & 0o777 == 0o777 & ~umask  # not mkdtemp's 0700
    got = _reloaded_in_a_fresh_process(tmp_path, english)
    assert got["greedy"] == got["keras_greedy"] == expected["greedy"]
    assert got["beam4"] == got["keras_beam4"] == expected["beam4"]


@pytest.mark.slow  # as above
def test_a_wordpiece_model_reloads_in_a_fresh_process(wordpiece_model, wordpiece_pairs,
                                                      tmp_path):
    # The tokenizer travels with the model: the SavedModel (strings in, strings
    # out) and the reloaded .keras spell, join and detokenise French pieces as
    # the Python path does; the model knows these pairs by heart.
    english, french = map(list, zip(*wordpiece_pairs))
    translator = StringTranslator(wordpiece_model)
    assert translator.translate(english) == translator.translate(english, beam_width=4) == french
    export.save_keras(wordpiece_model, tmp_path / "model.keras")
    export.export_saved_model(wordpiece_model, tmp_path / "saved")
    got = _reloaded_in_a_fresh_process(tmp_path, english)
    for name in ("greedy", "beam4", "keras_greedy", "keras_beam4"):
        assert got[name] == french, name
    assert got["keras_config"]["tokenizer"] == "wordpiece"
    assert got["keras_vocabularies"] == [wordpiece_model.source_vocabulary,
                                         wordpiece_model.target_vocabulary]


def _reloaded_in_a_fresh_process(tmp_path, english):
    """Translations of `english` by tmp_path's SavedModel and model.keras, in a new Python.

    Returns:
        A dict: "greedy" and "beam4" from the SavedModel's signatures,
        "keras_greedy" and "keras_beam4" from a `StringTranslator` of the
        reloaded .keras, and that model's "keras_config" and "keras_vocabularies".
    """
    script = textwrap.dedent(f"""
        import dataclasses, json, sys
        import tensorflow as tf, tensorflow_text  # noqa: F401 (registers its ops)
        english = {english!r}
        saved = tf.saved_model.load({str(tmp_path / "saved")!r})
        out = {{name: [t.decode() for t in
                      saved.signatures[sig](tf.constant(english))["output_0"].numpy()]
               for name, sig in (("greedy", "serving_default"), ("beam4", "beam4"))}}
        from tf_lstm.translation import export
        from tf_lstm.translation.inference import StringTranslator
        model = export.load_keras({str(tmp_path / "model.keras")!r})
        reloaded = StringTranslator(model)
        out["keras_greedy"] = reloaded.translate(english)
        out["keras_beam4"] = reloaded.translate(english, beam_width=4)
        out["keras_config"] = dataclasses.asdict(model.config)
        out["keras_vocabularies"] = [model.source_vocabulary, model.target_vocabulary]
        json.dump(out, sys.stdout)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_save_keras_requires_the_extension(tiny_model, tmp_path):
    with pytest.raises(ValueError, match="must end in .keras"):
        export.save_keras(tiny_model, tmp_path / "model.h5")


@pytest.mark.slow  # 5-12 s: make test runs it, make test-quick leaves it out
def test_export_replaces_only_a_saved_model_it_wrote(tiny_model, tmp_path):
    folder = tmp_path / "mine"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a SavedModel tf-lstm wrote"):
        export.export_saved_model(tiny_model, folder)
    a_file = tmp_path / "model.pb"
    a_file.write_text("a file")
    for overwrite in (False, True):  # a file is never replaced, nor renamed
        with pytest.raises(FileExistsError, match="existing file, which is never replaced"):
            export.export_saved_model(tiny_model, a_file, overwrite=overwrite)
    assert (folder / "notes" / "keep.txt").read_text() == "mine"
    assert a_file.read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "model.pb"]  # no .old

    saved = export.export_saved_model(tiny_model, tmp_path / "saved")
    (saved / "variables" / "stale").write_text("from the first export")
    export.export_saved_model(tiny_model, saved)  # its own: replaced whole
    assert export.is_our_saved_model(saved) and not (saved / "variables" / "stale").exists()
    export.export_saved_model(tiny_model, folder, overwrite=True)  # asked for
    assert export.is_our_saved_model(folder) and not (folder / "notes").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "model.pb", "saved"]


@pytest.mark.parametrize("content", [
    b"", b"not a zip at all", bytes(range(256)) * 40, "truncated", "another zip"])
def test_a_corrupt_keras_file_is_named_corrupt_not_missing(tiny_model, tmp_path, content):
    path = tmp_path / "model.keras"
    if content == "truncated":
        export.save_keras(tiny_model, path)
        path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
    elif content == "another zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(ValueError, match="corrupt or not a .keras file"):
        export.load_keras(path)
    with pytest.raises(FileNotFoundError, match="must be an existing .keras file"):
        export.load_keras(tmp_path / "missing.keras")


def test_a_keras_file_of_another_model_is_refused(tmp_path):
    import keras

    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    other.save(tmp_path / "other.keras")
    with pytest.raises(ValueError, match="expected a tf_lstm Translator, found a Sequential"):
        export.load_keras(tmp_path / "other.keras")
