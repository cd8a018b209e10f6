"""The layer benchmark (`python -m benchmarks --quick`) writes complete, checked results.

Timings are never asserted on: only that they exist and are positive.
"""

import json

import pytest

from benchmarks import layers
from tf_lstm.lessons.cost import lstm_step_flops

SHAPE_FIELDS = {"shape", "forward_flops", "forward_backward_flops", "matmul_gflops",
                "variants", "best_variant", "best_fraction_of_matmul",
                "best_fraction_of_square_matmul"}
VARIANT_FIELDS = {"forward_ms", "forward_backward_ms", "forward_gflops",
                  "forward_backward_gflops", "fraction_of_matmul",
                  "forward_ratio_vs_keras", "forward_backward_ratio_vs_keras", "check"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "layers"
    assert layers.main(["--quick", "--out", str(out)]) == 0
    return out, json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))


def test_json_records_machine_and_every_variant(quick_run):
    out, report = quick_run
    assert {"cpu", "cores", "tensorflow", "keras"} <= set(report["machine"])
    assert report["timestamp"] and report["repeats"] == 2
    assert report["command"] == f"python -m benchmarks --quick --out {out}"
    assert [tuple(e["shape"].values()) for e in report["shapes"]] == \
        list(layers.QUICK_SHAPES)
    for entry in report["shapes"]:
        assert SHAPE_FIELDS <= set(entry)
        shape = entry["shape"]  # FLOPs: tf_lstm.lessons.cost's formula, times the steps
        assert entry["forward_flops"] == shape["steps"] * lstm_step_flops(
            shape["batch"], shape["inputs"], shape["units"]).forward
        assert entry["forward_backward_flops"] == 3 * entry["forward_flops"]
        assert {"keras", "keras_xla", "scratch", "scratch_xla", "scratch_bf16"} <= \
            set(entry["variants"])
        assert entry["variants"]["keras"]["forward_backward_ratio_vs_keras"] == 1.0
        for result in entry["variants"].values():
            assert VARIANT_FIELDS <= set(result)
            assert result["forward_ms"] > 0 and result["forward_backward_ms"] > 0
            assert len(result["forward_runs_ms"]) == 2


def test_numerical_checks_pass_within_stated_tolerances(quick_run):
    _, report = quick_run
    assert report["all_checks_passed"]
    for entry in report["shapes"]:
        for name, result in entry["variants"].items():
            check = result["check"]
            tol = layers.TOLERANCES[check["precision"]]
            assert check["precision"] == ("bfloat16" if "bf16" in name else "float32")
            assert check["forward_max_abs_diff"] <= tol["forward"], name
            assert check["gradient_max_rel_diff"] <= tol["gradient"], name


def test_markdown_table_and_plot_are_written(quick_run):
    out, report = quick_run
    text = out.with_suffix(".md").read_text(encoding="utf-8")
    assert "| variant | fwd ms | fwd+bwd ms | GFLOP/s | of matmul |" in text
    assert "How close to the machine's limit?" in text
    for entry in report["shapes"]:
        for name in entry["variants"]:
            assert f"| {name} |" in text
    assert out.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.parent.glob("*.tmp"))  # atomic writes leave no temporaries
