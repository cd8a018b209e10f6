"""tf_lstm.translation.export: .keras and SavedModel round trips, checked in a fresh process."""

import json
import subprocess
import sys
import textwrap

from tf_lstm.translation import export
from tf_lstm.translation.inference import StringTranslator


def test_keras_and_saved_model_reload_in_a_fresh_process(tiny_model, tiny_splits,
                                                        tmp_path):
    english = [e for e, _ in tiny_splits["test"][:8]]
    translator = StringTranslator(tiny_model)
    expected = {"greedy": translator.translate(english),
                "beam4": translator.translate(english, beam_width=4)}
    export.save_keras(tiny_model, tmp_path / "model.keras")
    export.export_saved_model(tiny_model, tmp_path / "saved")
    assert not list(tmp_path.glob("*.tmp*"))  # atomic writes left nothing behind
    script = textwrap.dedent(f"""
        import json, sys
        import tensorflow as tf, tensorflow_text  # noqa: F401 (registers its ops)
        english = {english!r}
        saved = tf.saved_model.load({str(tmp_path / "saved")!r})
        out = {{name: [t.decode() for t in
                      saved.signatures[sig](tf.constant(english))["output_0"].numpy()]
               for name, sig in (("greedy", "serving_default"), ("beam4", "beam4"))}}
        from tf_lstm.translation import export
        from tf_lstm.translation.inference import StringTranslator
        reloaded = StringTranslator(export.load_keras({str(tmp_path / "model.keras")!r}))
        out["keras_greedy"] = reloaded.translate(english)
        out["keras_beam4"] = reloaded.translate(english, beam_width=4)
        json.dump(out, sys.stdout)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout)
    assert got["greedy"] == got["keras_greedy"] == expected["greedy"]
    assert got["beam4"] == got["keras_beam4"] == expected["beam4"]


def test_save_keras_requires_the_extension(tiny_model, tmp_path):
    import pytest
    with pytest.raises(ValueError, match="must end in .keras"):
        export.save_keras(tiny_model, tmp_path / "model.h5")
