"""A linear-chain CRF that tags person, organisation and place mentions, run with numpy tables.

The model is trained by ``tools/train_ner.py`` (python-crfsuite, on ANERcorp)
and shipped as ``data/ner/model.npz`` plus ``model.json`` (training data,
settings, dev scores, citations).  Nothing is downloaded at run time.

Why it is fast enough for the ingestion hot path: every feature is a function
of one word *type* seen at a fixed offset (-2..+2) from the tagged token.  The
emission scores of a token are then the sum, over the five offsets, of a
label-score row that depends only on the word at that offset; a row is
computed once per word type per process (``Tagger._add_rows``).  Summing a
document's rows and Viterbi over the stretches where some entity label comes
close to ``O`` (elsewhere the label is ``O``) run compiled (``crf_kernel``).

Feature names are shared with the trainer (``token_features``); changing them
means retraining.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_DIR = Path(__file__).resolve().parent.parent / "data" / "ner"
MODEL_FILE = MODEL_DIR / "model.npz"
METADATA_FILE = MODEL_DIR / "model.json"

OFFSETS = (-2, -1, 0, 1, 2)
#: Pseudo-words outside the sentence, so that offsets never run off the ends.
BEFORE, AFTER = "<s>", "</s>"

#: Clitics stripped (longest first) to find a word's core: والحكومة -> حكومه.
LEADING_CLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")
PUNCTUATION = frozenset("،,.:؛;؟?!\"'“”«»„‟()[]-–—/")


_ARABIC_WORD_RE = re.compile("[\u0621-\u064a]+")
_PUNCTUATION_CHARS = "".join(sorted(PUNCTUATION))


def _shape(word: str) -> str:
    if word in (BEFORE, AFTER):
        return word
    if word.isdigit():
        return "num"
    if not word.strip(_PUNCTUATION_CHARS):
        return "punct"
    if word.isascii():
        return "latin"
    if _ARABIC_WORD_RE.fullmatch(word):
        return "ar" + (str(len(word)) if len(word) < 6 else "6")
    return "mixed"


def core_of(word: str) -> str:
    """The word without its leading clitics and article, if enough of it remains."""
    for clitic in LEADING_CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= 2:
            return word[len(clitic):]
    return word


def base_features(word: str, offset: int, lexicon: dict[str, tuple[str, ...]]) -> list[str]:
    """The attributes ``word`` contributes at ``offset``, without the offset (those at 0 include all others)."""
    shape = _shape(word)
    features = ["w=" + word, "shape=" + shape]
    if shape in (BEFORE, AFTER, "punct", "num"):
        return features
    core = core_of(word)
    features += ["lex=" + tag for tag in lexicon.get(word, ())]
    if core != word:
        features += ["clex=" + tag for tag in lexicon.get(core, ())]
    if abs(offset) <= 1:
        features += ["core=" + core, "s2=" + word[-2:], "p2=" + word[:2]]
        if word != core:
            features.append("clitic=" + word[: len(word) - len(core)])
    if offset == 0:
        features += ["s1=" + word[-1:], "s3=" + word[-3:], "p1=" + word[:1], "p3=" + word[:3],
                     "cs2=" + core[-2:], "cs3=" + core[-3:], "cp2=" + core[:2]]
    return features


def token_features(word: str, offset: int, lexicon: dict[str, tuple[str, ...]]) -> list[str]:
    """The CRF attributes that ``word`` contributes when it stands ``offset`` tokens from the tagged one."""
    prefix = f"{offset}:"
    return [prefix + feature for feature in base_features(word, offset, lexicon)]


def sentence_features(words: list[str], lexicon: dict[str, tuple[str, ...]]) -> list[list[str]]:
    """The attributes of every token of a sentence (for training; the tagger never builds these)."""
    padded = [BEFORE, BEFORE, *words, AFTER, AFTER]
    return [
        [feature for offset in OFFSETS for feature in token_features(padded[i + 2 + offset], offset, lexicon)]
        for i in range(len(words))
    ]


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive
    label: str  # PERS, ORG, LOC, MISC
    #: For a one-word span, how much better the best tagging is than the same tagging with the
    #: word as O (what ``actors`` requires of a lone recognized word); None for longer spans.
    margin: float | None = None


def spans_from_bio(tags: list[str]) -> list[Span]:
    """CoNLL reading of BIO tags: an I- that does not continue its type starts a span."""
    spans = []
    start, label = None, None
    for position, tag in enumerate([*tags, "O"]):
        kind, _, name = tag.partition("-")
        if start is not None and (kind != "I" or name != label):
            spans.append(Span(start, position, label))
            start, label = None, None
        if kind == "B" or (kind == "I" and start is None):
            start, label = position, name
    return spans


class Tagger:
    """The shipped CRF as numpy tables; ``tag`` a normalized token list."""

    #: Word types whose score rows are kept: one ingestion process meets about 290,000 in
    #: 35,000 news articles (half the 70k corpus), and emptying the table refills it at about
    #: 4 us a type.  5 offsets x 400,000 rows x 9 labels x 4 bytes = 72 MB at most, only in
    #: the processes that ingest.
    MAX_TYPES = 400_000
    #: How close (in score) to O an entity label must come for a token to be decoded.
    COMPETITIVE = 0.0

    def __init__(self, model_file: Path, lexicon: dict[str, tuple[str, ...]]):
        # Imported here: numba (about 40 MB) loads only in processes that tag, never in a search server.
        from indexer.ingest import crf_kernel

        self._kernel = crf_kernel
        with np.load(model_file, allow_pickle=False) as data:
            self.labels = [str(label) for label in data["labels"]]
            attributes = str(data["attributes"]).split("\n")
            weights = data["weights"].astype(np.float32)  # (attributes, labels)
            self.transitions = data["transitions"].astype(np.float32)  # (from, to)
        self.lexicon = lexicon
        self.outside = self.labels.index("O")
        # Per label: 0 for O, 1 for B-, 2 for I-, and its type's number in _type_names (for crf_kernel.entity_spans).
        kinds_and_types = [label.partition("-")[::2] for label in self.labels]
        self._type_names = sorted({name for _kind, name in kinds_and_types if name})
        self._label_kinds = np.array([{"B": 1, "I": 2}.get(kind, 0) for kind, _name in kinds_and_types], np.intp)
        self._label_types = np.array([self._type_names.index(name) if name else -1 for _kind, name in kinds_and_types],
                                     np.intp)
        # One (offsets, labels) block per feature without its offset ("w=بوتين"):
        # a word type's scores are the sum of its features' blocks.  Block 0 is zero.
        self.feature_index: dict[str, int] = {}
        columns = {offset: column for column, offset in enumerate(OFFSETS)}
        places = []
        for row, attribute in enumerate(attributes):
            offset, _, feature = attribute.partition(":")
            places.append((self.feature_index.setdefault(feature, len(self.feature_index) + 1),
                           columns[int(offset)], row))
        self.blocks = np.zeros((len(self.feature_index) + 1, len(OFFSETS), len(self.labels)), np.float32)
        block_rows, block_columns, weight_rows = (np.array(part, dtype=np.intp) for part in zip(*places))
        self.blocks[block_rows, block_columns] = weights[weight_rows]
        self._rows: dict[str, int] = {}
        # (word types, offsets, labels): a token's five rows lie together in memory.
        self._table = np.zeros((1024, len(OFFSETS), len(self.labels)), dtype=np.float32)
        self._add_rows([BEFORE, AFTER])  # rows 0 and 1

    # --- emission scores -----------------------------------------------------

    def _add_rows(self, words: list[str]) -> None:
        """Compute the per-offset label scores of new word types, all at once."""
        get, lexicon = self.feature_index.get, self.lexicon
        flat: list[int] = []
        starts: list[int] = []
        for word in words:
            starts.append(len(flat))
            # Features the model does not know add the zero block 0.
            flat += [get(feature, 0) for feature in base_features(word, 0, lexicon)]
        first, table = len(self._rows), self._table
        if first + len(words) > len(table):
            size = max(min(2 * len(table), self.MAX_TYPES), first + len(words))
            grown = np.zeros((size, len(OFFSETS), len(self.labels)), np.float32)
            grown[:first] = table[:first]
            self._table = table = grown
        starts.append(len(flat))
        self._kernel.sum_feature_blocks(self.blocks, np.array(flat, dtype=np.intp), np.array(starts, dtype=np.intp),
                                        table, first)
        for row, word in enumerate(words, start=first):
            self._rows[word] = row

    def _row_ids(self, words: list[str]) -> np.ndarray:
        """The table rows of ``words`` with two padding rows on each side (BEFORE is row 0, AFTER row 1)."""
        # The big per-process table is probed once per distinct word, not per token:
        # its probes miss the CPU caches, the small per-document dict's do not.
        distinct = dict.fromkeys(words)
        get = self._rows.get
        for word in distinct:
            distinct[word] = get(word)
        new = [word for word, row in distinct.items() if row is None]
        if new:
            if len(self._rows) + len(new) > self.MAX_TYPES:
                # Emptied between documents, never inside one: a document's rows stay put.
                self._rows = {BEFORE: 0, AFTER: 1}
                new = list(distinct)
            self._add_rows(new)
            rows = self._rows
            for word in new:
                distinct[word] = rows[word]
        ids = np.empty(len(words) + 4, dtype=np.intp)
        ids[:2], ids[-2:] = 0, 1
        ids[2:-2] = np.fromiter(map(distinct.__getitem__, words), np.intp, len(words))
        return ids

    def emissions(self, words: list[str]) -> np.ndarray:
        """``(tokens, labels)`` state scores of a sentence or document."""
        return self._kernel.emission_scores(self._row_ids(words), self._table)

    # --- decoding ------------------------------------------------------------

    def tag(self, words: list[str]) -> list[Span]:
        """Entity spans over ``words`` (normalized tokens)."""
        if not words:
            return []
        scores = self.emissions(words)
        # Viterbi runs only over the stretches where an entity label comes within
        # COMPETITIVE of O (and their neighbours), O fixed on both sides; elsewhere
        # the label is O.  A measured approximation (exact pruning bounds are too
        # loose for this model's transitions): on the dev split the F1 equals full
        # Viterbi's, and bench/actors.py reports how often whole corpus documents
        # decode identically.
        path = self._kernel.decode_stretches(
            scores, self._kernel.open_tokens(scores, self.outside, self.COMPETITIVE), self.transitions, self.outside)
        found = self._kernel.entity_spans(path, scores, self.transitions, self.outside, self._label_kinds,
                                          self._label_types).tolist()
        names = self._type_names
        return [Span(int(start), int(end), names[int(kind)], None if math.isnan(margin) else margin)
                for start, end, kind, margin in found]

    def viterbi(self, scores: np.ndarray) -> np.ndarray:
        """Plain numpy Viterbi over a whole sequence with O before and after it: the reference ``tag`` approximates."""
        transitions, outside = self.transitions, self.outside
        delta = scores[0] + transitions[outside]
        back = []
        for position in range(1, len(scores)):
            candidates = delta[:, None] + transitions  # (from, to)
            back.append(candidates.argmax(axis=0))
            delta = candidates.max(axis=0) + scores[position]
        current = int((delta + transitions[:, outside]).argmax())
        path = [current]
        for pointers in reversed(back):
            current = int(pointers[current])
            path.append(current)
        return np.array(path[::-1], dtype=np.intp)


@functools.lru_cache(maxsize=1)
def metadata() -> dict:
    """The shipped model's metadata (training data, settings, dev scores, citations)."""
    return json.loads(METADATA_FILE.read_text(encoding="utf-8"))
