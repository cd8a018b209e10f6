"""Atomic file writes, shared by every room: a file appears complete or not at all.

Each writer writes to a temporary name in the destination's folder and then
renames it over the destination with `os.replace`, which is atomic on POSIX
and Windows; if the writer fails, the temporary file is removed and the
destination is left as it was.

- `write_atomic(path, write)`: the general form, for writers that take a path
  (`Figure.savefig`, `numpy.savez`, `Model.save`, ...);
- `write_text(path, text)` and `write_json(path, payload)` on top of it.
"""

import json
import os
from pathlib import Path


def write_atomic(path, write):
    """Call `write(tmp)` with a temporary path beside `path`, then rename it to `path`.

    The temporary name keeps `path`'s suffix (``results.tmp.json``), since some
    writers choose the format by suffix (``.keras``, ``.png``).

    Args:
        path: the destination file; its folder is created if needed.
        write: a callable taking one `pathlib.Path` and writing the file there.

    Returns:
        `path` as a `pathlib.Path`.

    Raises:
        Whatever `write` raises; `path` is then untouched.

    Example:

    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "hello.txt"
    >>> _ = write_atomic(out, lambda tmp: tmp.write_text("hi"))
    >>> out.read_text(), sorted(p.name for p in out.parent.iterdir())
    ('hi', ['hello.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_text(path, text):
    """Write `text` (UTF-8) to `path` atomically; return the path."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path, payload):
    """Write `payload` as indented UTF-8 JSON to `path` atomically; return the path.

    Example:

    >>> import json, pathlib, tempfile
    >>> out = write_json(pathlib.Path(tempfile.mkdtemp()) / "r.json", {"bleu": 98.2})
    >>> json.loads(out.read_text())
    {'bleu': 98.2}
    """
    return write_text(path, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
