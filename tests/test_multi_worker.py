"""`tf-lstm train --strategy multi-worker`: 2 worker processes on 127.0.0.1 against one process.

Each process is `tests/multi_worker_check.py` (the command line, recording
the shards it reads and its weights). A tiny model on a few hundred pairs of
the bundled corpus, dropout 0, so the workers' training is a function of the
weights and the global batches alone and can be compared with one process's.
Slow (`tests/conftest.py`): about a minute per group of processes here.
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from benchmarks.common import free_ports
from tf_lstm.translation import corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TIMEOUT = 600  # seconds a group of processes may take on a loaded 2-core machine
TRAIN_ARGS = ["--valid", "40", "--test", "20", "--epochs", "2", "--set", "units=16",
              "--set", "embedding_dim=8", "--set", "dropout=0", "--set", "batch_size=32"]


@pytest.fixture
def pairs(tmp_path):
    """360 pairs of the bundled corpus as a file: 300 train, 40 valid, 20 test."""
    path = tmp_path / "pairs.txt"
    path.write_text("".join(f"{e}\t{f}\n" for e, f in corpus.load_bundled()["train"][:360]),
                    encoding="utf-8")
    return path


def start(folder, out, args, ports=None, index=None, pause=False):
    """Start one process of `multi_worker_check.py` in `folder`; output to folder/log.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
        TF_CPP_MIN_LOG_LEVEL="1")  # TensorFlow's warnings, the auto-shard one included
    env.pop("TF_CONFIG", None)
    if ports is not None:
        env["TF_CONFIG"] = json.dumps({"cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                                       "task": {"type": "worker", "index": index}})
    log = open(folder / "log.txt", "w")
    command = [sys.executable, str(HERE / "multi_worker_check.py"), str(out),
               *(["--pause-after-epoch"] if pause else []), "--", *args]
    return subprocess.Popen(command, cwd=folder, env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def finish(processes, timeout=TIMEOUT):
    """Wait for every process; the logs of those that failed go into the assertion."""
    deadline = time.monotonic() + timeout
    for p in processes:
        p.wait(timeout=max(1, deadline - time.monotonic()))
    return [p.returncode for p in processes]


def stop(processes):
    """Kill whatever is still running, by process id (the test's own processes only)."""
    for p in processes:
        if p.poll() is None:
            p.kill()
            p.wait()


def log(folder):
    return (folder / "log.txt").read_text(errors="replace")


def weights(path):
    with np.load(path) as saved:
        return [saved[f"arr_{i}"] for i in range(len(saved.files))]


def backed_up_epoch(metadata):
    """The epoch `BackupAndRestore` last recorded, or None (no file, or being written)."""
    try:
        return json.loads(metadata.read_text()).get("epoch")
    except (OSError, ValueError):
        return None


def history(run_dir):
    lines = (run_dir / "history.csv").read_text().split()
    keys = lines[0].split(",")
    return [dict(zip(keys, map(float, line.split(",")))) for line in lines[1:]]


def test_two_workers_train_as_one_process_does(tmp_path, pairs):
    data = ["--data", str(pairs), *TRAIN_ARGS]
    ports = free_ports(2)
    chief, other, single = tmp_path / "chief", tmp_path / "worker1", tmp_path / "single"
    processes = []
    try:
        processes = [start(chief, chief / "out", [*data, "--strategy", "multi-worker",
                                                   "--run-dir", "run"], ports, 0),
                     start(other, tmp_path / "out1", [*data, "--strategy", "multi-worker",
                                                       "--run-dir", "run"], ports, 1)]
        codes = finish(processes)
        assert codes == [0, 0], log(chief)[-3000:] + log(other)[-3000:]
        processes.append(start(single, single / "out", [*data, "--run-dir", "run"]))
        assert finish(processes[2:]) == [0], log(single)[-3000:]
    finally:
        stop(processes)
    for folder, index in ((chief, "worker 0 of 2, the chief"), (other, "worker 1 of 2")):
        text = log(folder)
        assert (f"Strategy: multi-worker ({index}), 2 replicas; global batch 32 = 16 "
                "pairs per replica") in text
        assert "unshardable" not in text and "AutoShardPolicy" not in text  # DATA, set

    # Both workers end with the weights of one process trained on the same batches.
    start_weights = weights(single / "out" / "start.npz")
    ones, twos = weights(single / "out" / "weights.npz"), weights(chief / "out" / "weights.npz")
    assert all(np.array_equal(a, b) for a, b in zip(start_weights,
                                                     weights(chief / "out" / "start.npz")))
    assert all(np.array_equal(a, b) for a, b in zip(twos, weights(tmp_path / "out1" /
                                                                  "weights.npz")))
    update = max(float(np.max(np.abs(a - b))) for a, b in zip(ones, start_weights))
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(ones, twos))
    assert difference / update <= 1e-5, (difference, update)
    # ... and report the same losses and metrics (batches of 9 pairs split 5 + 4).
    for one, two in zip(history(single / "run"), history(chief / "run")):
        assert two == pytest.approx(one, rel=1e-5)

    # Each worker takes its half of every global batch: each pair once per epoch.
    seen = {name: json.loads((folder / "shards.json").read_text()) for name, folder in
            (("chief", chief / "out"), ("other", tmp_path / "out1"),
             ("single", single / "out"))}
    for epoch in range(2):
        steps = [seen[name]["epochs"][epoch] for name in ("chief", "other", "single")]
        for name in ("chief", "other"):  # Keras's progress bar counts declared batches
            assert len(seen[name]["epochs"][epoch]) == seen[name]["declared_batches"]
        assert [a + b for a, b in zip(steps[0], steps[1])] == steps[2]
        assert sum(len(step) for step in steps[2]) == 300
    assert seen["single"]["epochs"][0] != seen["single"]["epochs"][1]  # reshuffled

    # Only the chief wrote: the other worker's run directory was never made.
    assert sorted(p.name for p in other.iterdir()) == ["log.txt"]
    written = {p.name for p in (chief / "run").iterdir()}
    assert {"config.json", "data.json", "best.weights.h5", "history.csv", "logs",
            "model.keras", "results.json"} <= written and "backup" not in written


def test_a_killed_worker_resumes_from_the_chief_backup(tmp_path, pairs):
    """Worker 1 is killed (SIGKILL) after epoch 1, the chief stopped; both restarted."""
    run = tmp_path / "run"  # one folder both workers see, as on a shared file system
    args = ["--data", str(pairs), *TRAIN_ARGS, "--strategy", "multi-worker",
            "--run-dir", str(run)]
    folders = [tmp_path / "chief", tmp_path / "worker1"]
    processes = []
    try:
        ports = free_ports(2)
        processes = [start(folder, folder / "out", args, ports, index, pause=True)
                     for index, folder in enumerate(folders)]
        metadata = run / "backup" / "training_metadata.json"
        deadline = time.monotonic() + TIMEOUT
        while not ("PAUSED" in log(folders[1]) and backed_up_epoch(metadata) == 1):
            assert time.monotonic() < deadline and all(p.poll() is None for p in processes), (
                log(folders[0])[-3000:] + log(folders[1])[-3000:])
            time.sleep(0.2)
        os.kill(processes[1].pid, signal.SIGKILL)
        processes[0].terminate()  # it waits for worker 1 in epoch 2's first step
        finish(processes, timeout=60)
        assert sorted(p.name for p in (run / "backup").iterdir()) == [
            "latest.weights.h5", "training_metadata.json"]  # the chief's only
        assert len(history(run)) == 1

        # Worker 1 given a run directory of its own cannot see the chief's backup:
        # both stop with the same clear error instead of waiting on each other.
        alone = [*args[:-1], str(tmp_path / "not-shared")]
        ports = free_ports(2)
        processes = [start(folder, folder / "apart", arguments, ports, index)
                     for index, (folder, arguments) in enumerate(
                         zip(folders, [args, alone]))]
        codes = finish(processes, timeout=120)
        for folder in folders:
            assert "The workers would start at different epochs (0 to 1)" in log(folder), (
                log(folder)[-3000:])
        assert codes[0] != 0 and codes[1] != 0
        assert (run / "backup" / "latest.weights.h5").exists()  # the backup survives

        ports = free_ports(2)
        processes = [start(folder, folder / "again", args, ports, index)
                     for index, folder in enumerate(folders)]
        codes = finish(processes)
        assert codes == [0, 0], log(folders[0])[-3000:] + log(folders[1])[-3000:]
    finally:
        stop(processes)
    for folder in folders:
        text = log(folder)
        assert "Epoch 1/2" not in text and "Epoch 2/2" in text  # epoch 2 only
    assert [row["epoch"] for row in history(run)] == [0.0, 1.0]
    assert not (run / "backup").exists()  # the chief deleted it when training ended
    from tf_lstm.commands import load_translator

    translations = load_translator(run).translate(["He slept last week."])
    assert len(translations) == 1 and isinstance(translations[0], str)
