"""Text evidence: TF-IDF over character n-grams, so Chinese (no spaces) and English both work."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from scoring.text_index import sublinear_tf

# A bracketed editorial note ("[Illustrative: the seeds give no amount.]") says where a value
# came from, not what a company does or an investor wants: left out of every comparison, or
# two unrelated texts carrying such notes would look alike.
EDITORIAL_NOTE = re.compile(r"\[(?:Illustrative|示意)[^\]]*\]", flags=re.IGNORECASE)


def comparable_text(text: str) -> str:
    """The text as compared: without editorial notes, lower case."""
    return EDITORIAL_NOTE.sub(" ", text).lower()


def make_hasher(n_features: int = 2**18) -> HashingVectorizer:
    """Character 2- and 3-grams within word boundaries, hashed (no vocabulary to fit).

    A stateless hasher lets the catalogue's counts be computed once per request and
    combined incrementally; the IDF weights are fitted on the catalogue afterwards.
    """
    return HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 3),
        n_features=n_features,
        alternate_sign=False,
        norm=None,
        preprocessor=comparable_text,
        dtype=np.float32,
    )


class TextEvidence:
    """IDF-weighted, L2-normalised char n-gram vectors and their cosine similarity."""

    def __init__(self, n_features: int = 2**18) -> None:
        self.hasher = make_hasher(n_features)
        self.idf = TfidfTransformer(sublinear_tf=True, norm=None)
        self._idf32: npt.NDArray[np.float32] | None = None

    @property
    def n_features(self) -> int:
        return int(self.hasher.n_features)

    def counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        return sp.csr_matrix(self.hasher.transform(texts), dtype=np.float32)

    def counts_of(self, texts: Sequence[str], stored: Sequence[bytes | None]) -> sp.csr_matrix:
        """Counts for each text, from its stored bytes where present, else hashed now."""
        blobs = list(stored)
        missing = [i for i, blob in enumerate(blobs) if blob is None]
        if missing:
            fresh = self.counts([texts[i] for i in missing])
            for position, i in enumerate(missing):
                blobs[i] = encode_counts(fresh[position])
        return decode_counts(blobs, self.n_features)

    def fit(self, corpus_counts: sp.csr_matrix) -> TextEvidence:
        if corpus_counts.shape[0] == 0:
            # An empty catalogue still needs weights for the requests that will arrive.
            corpus_counts = sp.csr_matrix((1, self.n_features), dtype=np.float32)
        self.idf.fit(corpus_counts)
        self._idf32 = None
        return self

    def idf32(self) -> npt.NDArray[np.float32]:
        """The fitted IDF weights as float32 (the precision the texts are weighed in): one
        array per fit, shared by every segment built with it, so what is computed from it
        (``MandateStack.weighted_theses``) is kept while it is the same."""
        idf = self._idf32
        if idf is None:
            idf = self.idf.idf_.astype(np.float32)
            idf.flags.writeable = False
            self._idf32 = idf
        return idf

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF times the fitted IDF, each row L2-normalised.

        The same arithmetic as ``TfidfTransformer.transform`` followed by ``normalize``,
        done on the sparse arrays directly: a single thesis is weighed per request, where
        the transformer's input checks would cost more than the work.
        """
        if counts.shape[0] == 0:
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        data = sublinear_tf(counts.data) * self.idf32()[counts.indices]
        row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=counts.shape[0]))
        norms[norms == 0] = 1.0
        data = (data / norms[row_of]).astype(np.float32)
        return sp.csr_matrix(
            (data, counts.indices.copy(), counts.indptr.copy()), shape=counts.shape
        )


def encode_counts(row: sp.csr_matrix) -> bytes:
    """One text's hashed n-gram counts as bytes: int32 columns then float32 counts."""
    indices = np.asarray(row.indices, dtype=np.int32)
    counts = np.asarray(row.data, dtype=np.float32)
    return indices.tobytes() + counts.tobytes()


def decode_counts(blobs: Sequence[bytes | None], n_features: int) -> sp.csr_matrix:
    """Stack stored counts (``encode_counts``) into one matrix, a row per blob."""
    lengths = np.fromiter(
        (len(b) // 8 if b else 0 for b in blobs), dtype=np.int64, count=len(blobs)
    )
    indptr = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    joined_indices = b"".join(b[: len(b) // 2] for b in blobs if b)
    joined_counts = b"".join(b[len(b) // 2 :] for b in blobs if b)
    indices = np.frombuffer(joined_indices, dtype=np.int32)
    counts = np.frombuffer(joined_counts, dtype=np.float32)
    return sp.csr_matrix((counts, indices, indptr), shape=(len(blobs), n_features))


def stored_text_counts(text: str) -> bytes:
    """What to store with a request so a catalogue loads without re-reading its text."""
    return stored_text_counts_many([text])[0]


def stored_text_counts_many(texts: Sequence[str]) -> list[bytes]:
    """``stored_text_counts`` of each text, hashed in one pass (bulk imports)."""
    counts = TextEvidence().counts(texts)
    indices = np.asarray(counts.indices, dtype=np.int32)
    data = np.asarray(counts.data, dtype=np.float32)
    bounds = counts.indptr
    return [
        indices[start:end].tobytes() + data[start:end].tobytes()
        for start, end in itertools.pairwise(bounds)
    ]
