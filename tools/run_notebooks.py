"""Execute notebooks top to bottom with nbclient; fail on any unexpected error.

    python tools/run_notebooks.py [--fast] [--inplace] [--out DIR] NOTEBOOK...

--fast (or TF_LSTM_FAST=1 in the environment) sets TF_LSTM_FAST=1 in the
kernel (each notebook says what that shrinks); without it the notebooks run in
full mode. --inplace writes each executed notebook back over itself,
atomically (`make notebooks`); the committed notebooks are full-mode runs, so
--inplace refuses the fast mode. Otherwise the executed copies go to --out
(default: nowhere, only check they run).

Each notebook runs in a fresh `python3` kernel whose working directory is the
notebook's folder. Cells tagged `raises-exception` may raise (nbclient honours
the tag); any other error stops the run, prints the cell and the error, and
exits with status 1. `tests/test_notebooks.py` imports `execute_notebook`.
"""

import argparse
import os
import pathlib
import sys
import tempfile
import time

import nbclient
import nbformat

CELL_TIMEOUT_S = 1800  # per cell; the slowest, 06's 10-minute training on real data, fits
KERNEL_NAME = "python3"
# TensorFlow's C++ start-up lines (oneDNN, CUDA stubs) bypass Python and
# TF_CPP_MIN_LOG_LEVEL; leave them on the terminal, out of the saved outputs.
# Python-level warnings and prints are still captured.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]


def kernel_env(fast):
    """The environment of the kernel: this process's, plus the mode flags."""
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"  # no TensorFlow C++ banner in outputs
    env.pop("MPLBACKEND", None)        # the kernel's inline backend, not ours
    if fast:
        env["TF_LSTM_FAST"] = "1"
    else:
        env.pop("TF_LSTM_FAST", None)
    return env


def execute_notebook(path, fast=False, timeout=CELL_TIMEOUT_S):
    """Run a notebook in a fresh kernel and return the executed notebook.

    Args:
        path: the `.ipynb` file; the kernel starts in its folder.
        fast: run with TF_LSTM_FAST=1.
        timeout: seconds allowed per cell.

    Returns:
        The executed `nbformat.NotebookNode` (the file itself is untouched).

    Raises:
        nbclient.exceptions.CellExecutionError: a cell not tagged
            `raises-exception` raised; the message holds the cell and traceback.
        nbclient.exceptions.CellTimeoutError, DeadKernelError: as named.
    """
    path = pathlib.Path(path)
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=timeout, kernel_name=KERNEL_NAME,
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(path.parent.resolve())}})
    client.execute(env=kernel_env(fast))
    return notebook


def write_atomic(notebook, path):
    """Write `notebook` to `path` through a temporary file and `os.replace`."""
    path = pathlib.Path(path)
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(notebook, f)
        os.chmod(tmp, mode)  # mkstemp makes 0600; keep the file's usual mode
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="+", type=pathlib.Path, metavar="NOTEBOOK")
    parser.add_argument("--fast", action="store_true",
                        help="run with TF_LSTM_FAST=1 (the default when it is set here)")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--inplace", action="store_true",
                        help="write each executed notebook over itself")
    target.add_argument("--out", type=pathlib.Path, metavar="DIR",
                        help="write the executed notebooks into DIR")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.notebooks if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    fast = args.fast or os.environ.get("TF_LSTM_FAST") == "1"
    if fast and args.inplace:
        parser.error("--inplace saves the committed notebooks, which are full-mode runs: "
                     "drop --fast and unset TF_LSTM_FAST")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)

    mode = "fast" if fast else "full"
    for path in args.notebooks:
        start = time.perf_counter()
        print(f"{path} ({mode} mode) ...", flush=True)
        try:
            notebook = execute_notebook(path, fast=fast)
        except (nbclient.exceptions.CellExecutionError,
                nbclient.exceptions.CellTimeoutError,
                nbclient.exceptions.DeadKernelError) as error:
            print(f"FAILED: {path}\n{error}", file=sys.stderr)
            return 1
        if args.inplace:
            write_atomic(notebook, path)
        elif args.out:
            write_atomic(notebook, args.out / path.name)
        print(f"  ok in {time.perf_counter() - start:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
