"""tf_lstm.translation.corpus: Anki files, the bundled corpus, download, English-disjoint splits.

CPU only and offline: downloads are served by a local HTTP server on 127.0.0.1.
"""

import hashlib
import http.server
import pathlib
import re
import subprocess
import sys
import threading
import zipfile

import pytest

from tf_lstm.translation import corpus, vocab

ROOT = pathlib.Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "datasets" / "synthetic_en_fr" / "generate.py"
CORPUS = ROOT / "tf_lstm" / "translation" / "corpora" / "synthetic_en_fr"


def write(tmp_path, text, name="fra.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# --- load_pairs -------------------------------------------------------------
def test_two_column_layout(tmp_path):
    path = write(tmp_path, "Go.\tVa !\nHi.\tSalut !\n")
    assert corpus.load_pairs(path) == [("Go.", "Va !"), ("Hi.", "Salut !")]


def test_three_column_layout_ignores_attribution(tmp_path):
    path = write(tmp_path, "Go.\tVa !\tCC-BY 2.0 (France) Attribution: tatoeba.org #2877272\r\n"
                           "Run!\tCours\u202f!\tCC-BY 2.0 (France) Attribution: #906328\r\n")
    assert corpus.load_pairs(path) == [("Go.", "Va !"), ("Run!", "Cours\u202f!")]


def test_no_final_newline_bom_and_limit(tmp_path):
    path = write(tmp_path, "\ufeffA.\tB.\nC.\tD.\nE.\tF.")
    assert corpus.load_pairs(path) == [("A.", "B."), ("C.", "D."), ("E.", "F.")]
    assert corpus.load_pairs(path, limit=2) == [("A.", "B."), ("C.", "D.")]
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(ValueError, match=re.escape(
                f"Argument `limit` must be a positive integer. Received: limit={bad!r}")):
            corpus.load_pairs(path, limit=bad)


@pytest.mark.parametrize("text, line, message", [
    ("Go.\tVa !\nHello\nHi.\tSalut !\n", 2, "found no tab: 'Hello'"),
    ("Go.\tVa !\n\tSalut !\n", 2, "found an empty English side"),
    ("Go.\tVa !\nHi.\tSalut\nRun!\t  \n", 3, "found an empty French side"),
    ("Go.\tVa !\n\nHi.\tSalut !\n", 2, "found no tab: ''"),
    ("Go.\tVa !\ta\tb\n", 1, "found 4 columns"),
])
def test_bad_lines_name_file_and_line(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ValueError) as info:
        corpus.load_pairs(path)
    assert f"{path}, line {line}: expected `English<TAB>French`" in str(info.value)
    assert message in str(info.value)


def test_not_utf8(tmp_path):
    path = write(tmp_path, "Go.\tVa !\n".encode() + "Hi.\tÇa va\n".encode("latin-1"))
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}, line 2: not valid UTF-8"):
        corpus.load_pairs(path)


@pytest.mark.parametrize("text", ["", "\n\n", "  "])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}: empty file"):
        corpus.load_pairs(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        corpus.load_pairs(tmp_path / "nope.txt")


def make_zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def test_zip_input(tmp_path):
    path = make_zip(tmp_path / "fra-eng.zip", {
        "_about.txt": "About this file", "fra.txt": "Go.\tVa !\tCC-BY\nHi.\tSalut !\tCC-BY\n"})
    assert corpus.load_pairs(path) == [("Go.", "Va !"), ("Hi.", "Salut !")]
    path = make_zip(tmp_path / "spa-eng.zip", {"spa-eng/spa.txt": "Go.\tVe.\n"})
    assert corpus.load_pairs(path) == [("Go.", "Ve.")]
    path = make_zip(tmp_path / "bad.zip", {"bad.txt": "Go.\tVa !\nOops\n"})
    with pytest.raises(ValueError, match=r"bad\.zip:bad\.txt, line 2: .*found no tab"):
        corpus.load_pairs(path)


def test_zip_with_two_sentence_files(tmp_path):
    path = make_zip(tmp_path / "two.zip", {"a.txt": "A\tB\n", "b.txt": "C\tD\n"})
    with pytest.raises(ValueError, match="expected exactly one sentence file"):
        corpus.load_pairs(path)


def test_truncated_zip_input(tmp_path):
    good = make_zip(tmp_path / "good.zip", {"fra.txt": "Go.\tVa !\n" * 1000})
    bad = write(tmp_path, good.read_bytes()[:-30], name="cut.zip")
    with pytest.raises(ValueError, match="cut.zip: not a valid zip archive"):
        corpus.load_pairs(bad)


# --- bundled corpus -----------------------------------------------------------
@pytest.fixture(scope="module")
def bundled():
    return corpus.load_bundled()


def test_bundled_counts_and_no_leak(bundled):
    assert {k: len(v) for k, v in bundled.items()} == {"train": 20000, "valid": 1000, "test": 1000}
    english = [{en for en, _ in pairs} for pairs in bundled.values()]
    assert [len(e) for e in english] == [20000, 1000, 1000]  # every English sentence distinct
    train, valid, test = english
    assert not train & test and not train & valid and not valid & test


def test_bundled_format(bundled):
    for pairs in bundled.values():
        for en, fr in pairs:
            assert en[0].isupper() and fr[0].isupper(), (en, fr)
            assert en[-1] in ".?!" and fr[-1] in ".?!", (en, fr)
            assert 3 <= len(en.split()) <= 14 and 3 <= len(fr.split()) <= 14
            assert (en[-1] == "?") == fr.endswith(" ?") and (en[-1] == "!") == fr.endswith(" !")


def test_bundled_vocabulary_is_modest_and_closed(bundled):
    words = {}
    for split, pairs in bundled.items():
        texts = vocab.normalize([en for en, _ in pairs] + [fr for _, fr in pairs])
        n = len(pairs)
        words[split] = [{w for t in texts[:n] for w in t.split()},
                        {w for t in texts[n:] for w in t.split()}]
    en, fr = words["train"]
    assert 300 <= len(en) <= 800 and 300 <= len(fr) <= 800, (len(en), len(fr))
    for split in ("valid", "test"):  # no word outside the training vocabulary
        assert words[split][0] <= en and words[split][1] <= fr


def test_bundled_french_samples(bundled):
    pairs = dict(bundled["train"] + bundled["valid"] + bundled["test"])
    french = "\n".join(pairs.values())
    for pattern in [r"\bn'a pas\b", r"\bj'", r"\bl'", r"\bd'", r"\bqu'", r"^Est-ce que ",
                    r"^Qu'est-ce que ", r"\bont\b", r"\bsont \w+ées\b", r"\bva \w+(er|ir|re)\b",
                    r"\bau\b", r"\bdu\b", r"\bcet\b", r"\b(bel|vieil|nouvel) ", r"\bpas d'"]:
        assert re.search(pattern, french, re.M), pattern
    assert not re.search(r"\b(à le|à les|de le|de les)\b", french, re.I)  # au, aux, du, des
    assert not re.search(r"\b(le|la|je|de|ne|que) [aeiouéèêœh]", french, re.I)  # l', j', d'...


def test_unknown_bundled_name():
    with pytest.raises(ValueError, match=r"must be one of the bundled corpora \['synthetic_en_fr'\]. Received: name='nope'"):
        corpus.load_bundled("nope")


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=60)
    for split in ("train", "valid", "test"):
        assert (tmp_path / f"{split}.tsv").read_bytes() == (CORPUS / f"{split}.tsv").read_bytes()


# --- download -----------------------------------------------------------------
class Server:
    """A local HTTP server for files in `root`; `cut` serves half a file."""

    def __init__(self, root):
        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(root), **kwargs)

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path.startswith("/cut/"):  # promise the whole file, send half
                    body = (root / self.path[5:]).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                super().do_GET()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    archive = make_zip(root / "fra-eng.zip", {"_about.txt": "x",
                                             "fra.txt": "Go.\tVa !\tCC-BY\n" * 5000})
    write(root, archive.read_bytes()[:-300], name="truncated.zip")
    server = Server(root)
    yield server, hashlib.sha256(archive.read_bytes()).hexdigest(), tmp_path / "cache"
    server.close()


def test_download_then_cache_hit(served, capsys):
    server, sha, cache = served
    path = corpus.download(f"{server.url}/fra-eng.zip", cache_dir=cache, sha256=sha)
    assert path == cache / "fra-eng.zip" and len(corpus.load_pairs(path)) == 5000
    assert "fra-eng.zip: 100%" in capsys.readouterr().err
    server.close()  # no network from now on
    assert corpus.download(f"{server.url}/fra-eng.zip", cache_dir=cache, sha256=sha) == path
    assert sorted(p.name for p in cache.iterdir()) == ["fra-eng.zip"]


def test_download_without_checksum_prints_it(served, capsys):
    server, sha, cache = served
    corpus.download(f"{server.url}/fra-eng.zip", cache_dir=cache, progress=False)
    assert f"sha256={sha!r}" in capsys.readouterr().err


def test_checksum_mismatch_leaves_cache_clean(served):
    server, sha, cache = served
    with pytest.raises(ValueError, match=f"checksum mismatch, expected sha256 {'0' * 64}, "
                                         f"received {sha}; nothing was written"):
        corpus.download(f"{server.url}/fra-eng.zip", cache_dir=cache, sha256="0" * 64,
                      progress=False)
    assert list(cache.iterdir()) == []


def test_truncated_archive_leaves_cache_clean(served):
    server, _, cache = served
    with pytest.raises(ValueError, match="corrupt or truncated zip archive"):
        corpus.download(f"{server.url}/truncated.zip", cache_dir=cache, progress=False)
    assert list(cache.iterdir()) == []


def test_connection_cut_mid_file_leaves_cache_clean(served):
    server, _, cache = served
    with pytest.raises((OSError, ValueError), match="nothing was written"):
        corpus.download(f"{server.url}/cut/fra-eng.zip", cache_dir=cache, progress=False)
    assert list(cache.iterdir()) == []


def test_download_argument_errors(tmp_path):
    with pytest.raises(ValueError, match=r"Argument `name_or_url` must be one of \['fra-eng', "
                                         r"'spa-eng'\] or an http\(s\) URL\. "
                                         r"Received: name_or_url='klingon-eng'"):
        corpus.download("klingon-eng", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="Argument `sha256` must be 64 hexadecimal digits. "
                                         "Received: sha256='abc'"):
        corpus.download("fra-eng", cache_dir=tmp_path, sha256="abc")
    assert list(tmp_path.iterdir()) == []


# --- split_pairs --------------------------------------------------------------
def many_pairs():
    return [(f"Sentence {i // 3}.", f"Phrase {i}.") for i in range(300)]  # 3 per English


def test_split_groups_english_and_is_deterministic():
    pairs = many_pairs()
    train, valid, test = corpus.split_pairs(pairs, valid=30, test=0.1, seed=3)
    sides = [{en for en, _ in part} for part in (train, valid, test)]
    assert [len(s) for s in sides] == [80, 10, 10]
    assert [len(p) for p in (train, valid, test)] == [240, 30, 30]
    assert not sides[0] & sides[1] and not sides[0] & sides[2] and not sides[1] & sides[2]
    assert corpus.split_pairs(pairs, valid=30, test=0.1, seed=3) == (train, valid, test)
    shuffled = corpus.split_pairs(pairs[::-1], valid=30, test=0.1, seed=3)
    assert [sorted(p) for p in shuffled] == [sorted(p) for p in (train, valid, test)]
    assert corpus.split_pairs(pairs, valid=30, test=0.1, seed=4) != (train, valid, test)


def test_split_sizes_count_pairs_exactly_with_uneven_groups():
    # Sentences with 1, 2 or 3 translations, as in Tatoeba.
    pairs = [(f"S{i}.", f"P{i}-{k}.") for i in range(200) for k in range(1 + i % 3)]
    train, valid, test = corpus.split_pairs(pairs, valid=37, test=101, seed=0)
    assert (len(valid), len(test), len(train)) == (37, 101, len(pairs) - 138)
    assert not {e for e, _ in train} & {e for e, _ in valid + test}


def test_split_warns_when_groups_cannot_fill_a_size_exactly():
    with pytest.warns(UserWarning, match="valid: 29 pairs requested, 27 taken"):
        train, valid, test = corpus.split_pairs(many_pairs(), valid=29, test=30)
    assert len(valid) == 27 and len(test) == 30


def test_split_sizes_zero():
    train, valid, test = corpus.split_pairs(many_pairs(), valid=0, test=0.0)
    assert len(train) == 300 and valid == [] and test == []


@pytest.mark.parametrize("valid, test, error, message", [
    (-1, 10, ValueError, "Argument `valid` must be a non-negative integer. Received: valid=-1"),
    (10, 1.0, ValueError,
     "Argument `test` must be a fraction in [0, 1) or a count of pairs. Received: test=1.0"),
    (0.5, 0.5, ValueError, "Arguments `valid` and `test` must together ask for fewer than the "
                           "300 pairs. Received: valid=0.5 and test=0.5 (150 + 150 pairs)"),
    (180, 120, ValueError, "Received: valid=180 and test=120 (180 + 120 pairs)"),
    ("10", 1, TypeError, "Argument `valid` must be an int count of pairs or a float fraction. "
                         "Received: valid='10'"),
    (True, 1, TypeError, "Argument `valid` must be an int count of pairs or a float fraction. "
                         "Received: valid=True"),
])
def test_split_errors(valid, test, error, message):
    with pytest.raises(error, match=re.escape(message)):
        corpus.split_pairs(many_pairs(), valid=valid, test=test)

