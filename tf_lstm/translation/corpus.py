"""Parallel corpora for the article's §1, machine translation (English -> French).

The first stage of the translator (see `tf_lstm.translation`):

- `load_pairs` reads a Tatoeba/Anki sentence-pair file (``.txt`` or ``.zip``),
  line by line, with an error naming the file and line for anything malformed.
- `load_bundled` returns the fixed splits of a corpus shipped inside the
  package (``tf_lstm/translation/corpora/``), read with `importlib.resources`
  so that it works from an installed wheel as from a checkout.
- `download` fetches a known archive (or a URL) into a checksummed cache.
- `fingerprint` hashes a file or a bundled corpus, so a run can tell later
  whether its data changed.
- `split_pairs` splits pairs so that no English sentence is on two sides.
"""

import collections
import hashlib
import http.client
import importlib.resources
import os
import random
import sys
import tempfile
import urllib.request
import warnings
import zipfile
import zlib
from pathlib import Path

from tf_lstm import checks

DEFAULT_CACHE_DIR = Path("~/.cache/tf_lstm").expanduser()
BUNDLED = "synthetic_en_fr"  # the corpus the demo and the notebooks train on

# Known archives. `sha256` is None where no checksum was recorded when this
# was written: manythings.org rebuilds fra-eng.zip as Tatoeba grows, so any
# pin goes stale. `download` then prints the hash it got, for you to pin.
ARCHIVES = {
    "fra-eng": {"url": "https://www.manythings.org/anki/fra-eng.zip", "sha256": None},
    "spa-eng": {"url": "http://storage.googleapis.com/download.tensorflow.org/data/spa-eng.zip",
                "sha256": None},
}

_FORMAT = "`English<TAB>French` or `English<TAB>French<TAB>attribution`"


def _read_text_bytes(path):
    """Return (label, bytes) of a text file, or of the one text file in a zip."""
    path = Path(path)
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".zip" and path.is_file():
            raise ValueError(f"{path}: not a valid zip archive (truncated or corrupt?)")
        return str(path), path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist()
                 if n.endswith(".txt") and not Path(n).name.startswith(("_", "."))
                 and not n.startswith("__MACOSX")]
        if len(names) != 1:
            raise ValueError(f"{path}: expected exactly one sentence file (*.txt, not _about.txt) "
                             f"in the zip, found {names or 'none'} among {archive.namelist()}")
        try:
            return f"{path}:{names[0]}", archive.read(names[0])
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise ValueError(f"{path}: corrupt zip archive: {e}") from e


def load_pairs(path, limit=None):
    """Read `(english, french)` pairs from a Tatoeba/Anki sentence-pair file.

    Each line is ``English<TAB>French`` (older files) or
    ``English<TAB>French<TAB>attribution`` (current manythings.org files; the
    attribution is ignored). Surrounding spaces are stripped from both sides.

    Args:
        path: a UTF-8 text file, or a ``.zip`` (like ``fra-eng.zip``) holding
            exactly one such ``.txt`` besides any ``_about.txt``.
        limit: read at most this many pairs (a positive int), or None for all.

    Returns:
        A list of `(english, french)` tuples of str, in file order.

    Raises:
        FileNotFoundError: if `path` does not exist.
        ValueError: if `limit` is not None or a positive integer
            (``Argument `limit` must be a positive integer. Received:
            limit=0``); on an empty file, a corrupt zip, a file that is not
            UTF-8, or a line that is not two or three tab-separated non-empty
            columns, with a message naming the file and the 1-based line.

    Example:

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fra.txt"
    >>> _ = p.write_text("Go.\\tVa !\\tCC-BY 2.0 (France)\\nHi.\\tSalut !\\n", "utf-8")
    >>> load_pairs(p)
    [('Go.', 'Va !'), ('Hi.', 'Salut !')]
    """
    if limit is not None:
        checks.positive_int("limit", limit)
    label, data = _read_text_bytes(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # UTF-8 byte order mark
    if not data.strip():
        raise ValueError(f"{label}: empty file, expected lines of {_FORMAT}")
    if data.endswith(b"\n"):
        data = data[:-1]  # the final newline ends the last line; it does not start one
    pairs = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if limit is not None and len(pairs) >= limit:
            break
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as e:
            raise ValueError(f"{label}, line {number}: not valid UTF-8 ({e.reason} at byte "
                             f"{e.start}): {raw[:60]!r}") from None
        columns = line.split("\t")
        if len(columns) == 1:
            raise ValueError(f"{label}, line {number}: expected {_FORMAT}, "
                             f"found no tab: {line[:60]!r}")
        if len(columns) > 3:
            raise ValueError(f"{label}, line {number}: expected {_FORMAT}, "
                             f"found {len(columns)} columns: {line[:60]!r}")
        english, french = columns[0].strip(), columns[1].strip()
        if not english or not french:
            side = "English" if not english else "French"
            raise ValueError(f"{label}, line {number}: expected {_FORMAT}, "
                             f"found an empty {side} side: {line[:60]!r}")
        pairs.append((english, french))
    return pairs


def bundled_corpora():
    """The names of the corpora shipped with the package, sorted.

    Returns:
        A list of folder names under ``tf_lstm/translation/corpora/`` that
        hold a ``train.tsv``; each is a valid `load_bundled` name.

    Example:

    >>> bundled_corpora()
    ['synthetic_en_fr']
    """
    root = importlib.resources.files("tf_lstm.translation") / "corpora"
    return sorted(entry.name for entry in root.iterdir()
                  if entry.is_dir() and (entry / "train.tsv").is_file())


def load_bundled(name=BUNDLED):
    """Load the fixed splits of a corpus shipped with the package.

    Args:
        name: one of `bundled_corpora()`; its folder holds ``train.tsv``,
            ``valid.tsv`` and ``test.tsv``.

    Returns:
        A dict ``{"train": pairs, "valid": pairs, "test": pairs}`` where each
        value is a list of `(english, french)` tuples.

    Raises:
        ValueError: if there is no such corpus; the message lists those there are.

    Example:

    >>> splits = load_bundled()
    >>> {k: len(v) for k, v in splits.items()}
    {'train': 20000, 'valid': 1000, 'test': 1000}
    """
    available = bundled_corpora()
    if name not in available:
        raise ValueError(f"Argument `name` must be one of the bundled corpora {available}. "
                         f"Received: name={name!r}")
    folder = importlib.resources.files("tf_lstm.translation") / "corpora" / name
    with importlib.resources.as_file(folder) as path:
        return {split: load_pairs(path / f"{split}.tsv")
                for split in ("train", "valid", "test")}


def _sha256(path, digest=None):
    """The SHA-256 hex digest of a file (or `digest` updated with its bytes)."""
    digest = digest or hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fingerprint(data):
    """The content hash and size of a sentence-pair file or a bundled corpus.

    A run records it (``data.json``) so that evaluating later can tell
    whether the data changed since training: a test split recomputed from a
    changed file may hold training sentences.

    Args:
        data: a path to an existing file, or the name of a bundled corpus
            (its ``train.tsv``, ``valid.tsv`` and ``test.tsv``, hashed in
            that order).

    Returns:
        A dict ``{"sha256": hex digest, "size": bytes}``.

    Raises:
        FileNotFoundError: if `data` is neither a file nor a bundled corpus.

    Example:

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fra.txt"
    >>> _ = p.write_text("Go.\\tVa !\\n", "utf-8")
    >>> fingerprint(p)["size"], fingerprint(p)["sha256"][:12]
    (9, 'c8ab60c0149f')
    """
    if os.path.isfile(data):
        return {"sha256": _sha256(data), "size": os.path.getsize(data)}
    if data not in bundled_corpora():
        raise FileNotFoundError(f"Argument `data` must be an existing file or one of the "
                                f"bundled corpora {bundled_corpora()}. Received: data={data!s}")
    digest, size = hashlib.sha256(), 0
    folder = importlib.resources.files("tf_lstm.translation") / "corpora" / data
    with importlib.resources.as_file(folder) as path:
        for split in ("train", "valid", "test"):
            _sha256(path / f"{split}.tsv", digest)
            size += (path / f"{split}.tsv").stat().st_size
    return {"sha256": digest.hexdigest(), "size": size}


def _progress(done, total, label, stream):
    if total:
        stream.write(f"\r{label}: {100 * done // total:3d}% ({done / 1e6:.1f}/{total / 1e6:.1f} MB)")
    else:
        stream.write(f"\r{label}: {done / 1e6:.1f} MB")
    stream.flush()


def _fetch(url, out, timeout, label):
    """Stream `url` into the open file `out`; return (bytes received, Content-Length or 0)."""
    request = urllib.request.Request(url, headers={"User-Agent": "tf_lstm/0.1 (python urllib)"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total, done = int(response.headers.get("Content-Length") or 0), 0
        while block := response.read(1 << 16):
            out.write(block)
            done += len(block)
            if label:
                _progress(done, total, label, sys.stderr)
    if label:
        sys.stderr.write("\n")
    return done, total


def download(name_or_url, cache_dir=None, sha256=None, *, progress=True, timeout=60):
    """Download a sentence-pair archive into a cache, once, and verify it.

    The file is written to a temporary file in the cache directory, checked
    (SHA-256 if known, and zip integrity for ``.zip`` files) and only then
    moved into place with `os.replace`, so a failed or interrupted download
    never leaves a file in the cache. A cached file is returned without any
    network access (after re-checking `sha256`, if one is known).

    Args:
        name_or_url: a key of `ARCHIVES` (``"fra-eng"``, ``"spa-eng"``) or an
            ``http://`` / ``https://`` URL.
        cache_dir: where to keep files; default ``~/.cache/tf_lstm``.
        sha256: the expected SHA-256 (64 hex digits). Default: the registry's
            value. When neither is known the file is accepted and its hash is
            printed to stderr, so that you can pin it.
        progress: whether to show a progress line on stderr.
        timeout: socket timeout in seconds.

    Returns:
        The `pathlib.Path` of the cached file (pass it to `load_pairs`).

    Raises:
        ValueError: on an unknown `name_or_url` or a malformed `sha256`
            (``Argument `sha256` must be 64 hexadecimal digits. Received:
            ...``), and on a checksum mismatch or a corrupt or truncated
            archive, naming the URL; nothing is then written to the cache.
        OSError: if the download itself fails.

    Example (not run: it needs the network):

        path = download("fra-eng")      # ~/.cache/tf_lstm/fra-eng.zip
        pairs = load_pairs(path)
    """
    if name_or_url in ARCHIVES:
        url = ARCHIVES[name_or_url]["url"]
        sha256 = sha256 or ARCHIVES[name_or_url]["sha256"]
    elif str(name_or_url).startswith(("http://", "https://")):
        url = name_or_url
    else:
        raise ValueError(f"Argument `name_or_url` must be one of {sorted(ARCHIVES)} or an "
                         f"http(s) URL. Received: name_or_url={name_or_url!r}")
    if sha256 is not None:
        sha256 = str(sha256).lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("Argument `sha256` must be 64 hexadecimal digits. "
                             f"Received: sha256={sha256!r}")
    cache = Path(cache_dir).expanduser() if cache_dir is not None else DEFAULT_CACHE_DIR
    target = cache / url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    if target.exists():
        if sha256 is None or _sha256(target) == sha256:
            return target
        print(f"{target}: cached file does not match sha256 {sha256}; downloading again",
              file=sys.stderr)
    cache.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=cache, prefix=f".{target.name}.", suffix=".part")
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                done, total = _fetch(url, out, timeout, target.name if progress else None)
        except http.client.HTTPException as e:  # e.g. IncompleteRead: connection cut mid-file
            raise OSError(f"{url}: download failed: {e!r}; nothing was written to {cache}") from e
        if total and done != total:
            raise ValueError(f"{url}: truncated download, received {done} of {total} bytes; "
                             f"nothing was written to {cache}")
        got = _sha256(tmp)
        if sha256 is not None and got != sha256:
            raise ValueError(f"{url}: checksum mismatch, expected sha256 {sha256}, received "
                             f"{got}; nothing was written to {cache}")
        if target.suffix == ".zip":
            try:
                with zipfile.ZipFile(tmp) as archive:
                    bad = archive.testzip()
            except (zipfile.BadZipFile, zlib.error, EOFError) as e:
                raise ValueError(f"{url}: corrupt or truncated zip archive ({e}); "
                                 f"nothing was written to {cache}") from None
            if bad is not None:
                raise ValueError(f"{url}: corrupt zip archive, bad CRC in {bad!r}; "
                                 f"nothing was written to {cache}")
        if sha256 is None:
            print(f"{target.name}: sha256 {got} (no checksum known; pass sha256={got!r} "
                  f"to pin it)", file=sys.stderr)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def _size(name, value, pairs):
    """The number of pairs `value` asks for: a count, or a fraction of `pairs`."""
    if isinstance(value, float):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"Argument `{name}` must be a fraction in [0, 1) or a count of "
                             f"pairs. Received: {name}={value!r}")
        return round(value * pairs)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"Argument `{name}` must be an int count of pairs or a float "
                        f"fraction. Received: {name}={value!r}")
    return checks.non_negative_int(name, value)


def split_pairs(pairs, valid=0.05, test=0.05, seed=0):
    """Split pairs into train, valid and test, grouped by English sentence.

    All the translations of one English sentence land in the same split, so
    no test sentence is seen in training. Sizes count *pairs*: held-out
    splits are filled with whole English-sentence groups, in a seeded random
    order, skipping a group that would overshoot; the size is met exactly
    whenever enough sentences have few translations (always, in practice),
    and is otherwise the largest fill below it. The result depends only on
    the set of pairs and `seed`, not on their order; each split keeps the
    input's order.

    Args:
        pairs: a list of `(english, french)` pairs.
        valid: an int (number of pairs) or a float fraction of all pairs.
        test: same as `valid`, for the test split.
        seed: the seed of the shuffle that picks the held-out sentences.

    Returns:
        `(train, valid, test)`, three lists of pairs.

    Raises:
        TypeError: if `valid` or `test` is not an int or a float.
        ValueError: if a count is negative or a fraction is not in [0, 1), or
            if `valid` and `test` together leave no pair for training (since
            a held-out split never takes more than it asks, at least one
            English sentence is then left for training).

    Warns:
        UserWarning: when whole English-sentence groups cannot fill a
            held-out split exactly; the message gives both sizes.

    Example:

    >>> pairs = [("Hi.", "Salut."), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Go.", "Va !")]
    >>> train, valid, test = split_pairs(pairs, valid=1, test=1)
    >>> len(train), len(valid), len(test)
    (2, 1, 1)
    >>> sorted({en for en, _ in train} & {en for en, _ in valid + test})
    []
    """
    groups = collections.Counter(en for en, _ in pairs)
    n_valid, n_test = _size("valid", valid, len(pairs)), _size("test", test, len(pairs))
    if n_valid + n_test >= len(pairs):
        raise ValueError(f"Arguments `valid` and `test` must together ask for fewer than the "
                         f"{len(pairs)} pairs. Received: valid={valid!r} and test={test!r} "
                         f"({n_valid} + {n_test} pairs)")
    english = sorted(groups)
    random.Random(seed).shuffle(english)
    side = {}
    for label, wanted in ((2, n_test), (1, n_valid)):
        for en in english:
            if wanted == 0:
                break
            if en not in side and groups[en] <= wanted:
                side[en] = label
                wanted -= groups[en]
        if wanted:
            name, asked = ("test", n_test) if label == 2 else ("valid", n_valid)
            warnings.warn(f"{name}: {asked} pairs requested, {asked - wanted} taken "
                          "(whole English-sentence groups only)", UserWarning, stacklevel=2)
    out = ([], [], [])
    for pair in pairs:
        out[side.get(pair[0], 0)].append(tuple(pair))
    return out
