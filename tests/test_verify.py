"""tf_lstm.verify (the demo's report) and the command line."""

import subprocess
import sys

import numpy as np

from tf_lstm import cli, verify


def test_every_check_passes_and_the_table_says_so():
    rows = verify.run_verification(seed=0)
    assert [r.name for r in rows if not r.passed] == []
    assert {r.dtype for r in rows} == {"float64", "float32"}
    table = verify.format_table(rows)
    assert table.count(" ok") == len(rows) and "FAILED" not in table


def test_a_failing_check_is_reported_and_fails_the_command(monkeypatch, capsys):
    bad = verify.Check("forward: broken", "float64", 1.0, 1e-10, False)
    monkeypatch.setattr(verify, "run_verification", lambda seed: [bad])
    assert cli.main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "0 of 1 checks" in out


def test_finite_differences_catch_a_wrong_gradient(monkeypatch):
    # The check must be able to fail: perturb the analytic gradient.
    from tf_lstm import numpy_lstm
    real = numpy_lstm.numpy_lstm_backward

    def off_by_a_bit(*args):
        grads = real(*args)
        grads["kernel"] = grads["kernel"] * 1.001
        return grads

    monkeypatch.setattr(verify, "numpy_lstm_backward", off_by_a_bit)
    assert verify.finite_difference_error(np.random.default_rng(0)) > 1e-4


def test_demo_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "tf_lstm", "demo"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "7 of 7 checks within tolerance" in result.stdout
