"""Train the shipped entity recognizer (``indexer/data/ner/``) on ANERcorp and print its dev scores.

    python tools/train_ner.py [--data ../shared/ner/ANERCorp_CamelLab_train.txt] [--c1 0.05 --c2 0.05 ...]

The file's sentences are split in order: the first five sixths train, the last
sixth is the development split the scores are measured on (and that picks the
settings when several are given).  Tokens go through ingestion's own
tokenizer and normalization (``actors.tokenize``), so the model sees what it
will see at run time; a labelled token that the tokenizer splits ("(د") keeps
its label on its first word and continues it (``I-``) on the others, except on
punctuation, which is ``O``.

Training needs python-crfsuite (``pip install -e '.[ner-train]'``); the
weights are exported to numpy (``model.npz``) and the run's settings, data and
scores to ``model.json``.  Run it from the checkout: it reads only the
shipped gazetteer, never the user's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "ner" / "ANERCorp_CamelLab_train.txt"
ACTOR_TYPES = ("PERS", "ORG", "LOC")
DEV_FRACTION = 6  # the last 1/6 of the sentences

CITATIONS = [
    "Benajiba, Rosso, Benedí Ruiz. ANERsys: An Arabic named entity recognition system based on maximum entropy. "
    "CICLing 2007.",
    "Obeid et al. CAMeL Tools: An Open Source Python Toolkit for Arabic Natural Language Processing. LREC 2020 "
    "(the train/test re-split of ANERcorp used here).",
]


def shipped_only() -> None:
    """Point the data-file loader at an empty folder so that no user gazetteer leaks into training."""
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="fahras-train-")
    os.environ.pop("FAHRAS_DATA_DIR", None)


def read_sentences(path: Path) -> list[list[tuple[str, str]]]:
    """``[(token, BIO tag), ...]`` per sentence, as in the file."""
    sentences, current = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2:
            current.append((parts[0], parts[1]))
        elif current:
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


def split(sentences: list) -> tuple[list, list]:
    """``(train, dev)``: dev is the last sixth, in file order."""
    cut = len(sentences) - len(sentences) // DEV_FRACTION
    return sentences[:cut], sentences[cut:]


def as_ingested(sentence: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """``(normalized words, tags)`` after ingestion's tokenizer."""
    from indexer.ingest.actors import tokenize
    from indexer.ingest.ner import PUNCTUATION

    words, tags = [], []
    for token, tag in sentence:
        pieces = tokenize(token)[1]
        kind, _, label = tag.partition("-")
        first = True
        for piece in pieces:
            if all(ch in PUNCTUATION for ch in piece):
                words.append(piece)
                tags.append("O")
                continue
            words.append(piece)
            tags.append(tag if first or kind == "O" else f"I-{label}")
            first = False
    return words, tags


def span_scores(gold: list[list[str]], predicted: list[list], types=ACTOR_TYPES) -> dict:
    """CoNLL exact-match P/R/F1 per type and micro over ``types``.

    ``gold`` are BIO tag lists; ``predicted`` are span lists (``ner.Span``) of the same sentences.
    """
    from indexer.ingest.ner import spans_from_bio

    counts = {kind: Counter() for kind in types}
    for tags, spans in zip(gold, predicted):
        truth = {(s.start, s.end, s.label) for s in spans_from_bio(tags) if s.label in types}
        guess = {(s.start, s.end, s.label) for s in spans if s.label in types}
        for kind in types:
            t = {s for s in truth if s[2] == kind}
            g = {s for s in guess if s[2] == kind}
            counts[kind]["tp"] += len(t & g)
            counts[kind]["gold"] += len(t)
            counts[kind]["predicted"] += len(g)
    total = sum(counts.values(), Counter())
    return {kind: _prf(c) for kind, c in counts.items()} | {"micro": _prf(total)}


def _prf(c: Counter) -> dict:
    precision = c["tp"] / c["predicted"] if c["predicted"] else 0.0
    recall = c["tp"] / c["gold"] if c["gold"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "gold": c["gold"], "predicted": c["predicted"]}


def format_scores(scores: dict) -> str:
    return "\n".join(
        f"  {kind:5} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  "
        f"(gold {s['gold']}, found {s['predicted']})"
        for kind, s in scores.items()
    )


def train(train_sentences, lexicon, settings: dict, model_path: Path) -> None:
    import pycrfsuite

    from indexer.ingest.ner import sentence_features

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=False)
    for words, tags in train_sentences:
        trainer.append(sentence_features(words, lexicon), tags)
    trainer.set_params({**settings, "feature.possible_transitions": True})
    trainer.train(str(model_path))


def export(model_path: Path, out: Path) -> dict:
    """crfsuite weights -> ``model.npz`` (labels, attributes, weights, transitions); returns sizes."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(model_path))
    info = tagger.info()
    labels = sorted(info.labels, key=lambda label: (label != "O", label))
    label_index = {label: i for i, label in enumerate(labels)}
    attributes = sorted({attribute for attribute, _ in info.state_features})
    attribute_index = {attribute: i for i, attribute in enumerate(attributes)}
    weights = np.zeros((len(attributes), len(labels)), dtype=np.float32)
    for (attribute, label), weight in info.state_features.items():
        weights[attribute_index[attribute], label_index[label]] = weight
    transitions = np.zeros((len(labels), len(labels)), dtype=np.float32)
    for (source, target), weight in info.transitions.items():
        transitions[label_index[source], label_index[target]] = weight
    np.savez_compressed(
        out, labels=np.array(labels), attributes=np.array("\n".join(attributes)),
        weights=weights.astype(np.float16), transitions=transitions,
    )
    return {"attributes": len(attributes), "labels": labels}


def evaluate(model_file: Path, lexicon, sentences) -> tuple[dict, float]:
    """Dev scores and tokens/second of the runtime tagger (``ner.Tagger``) with the exported weights."""
    from indexer.ingest.ner import Tagger

    tagger = Tagger(model_file, lexicon)
    start = time.perf_counter()
    predicted = [tagger.tag(words) for words, _ in sentences]
    seconds = time.perf_counter() - start
    tokens = sum(len(words) for words, _ in sentences)
    return span_scores([tags for _, tags in sentences], predicted), tokens / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "indexer/data/ner")
    parser.add_argument("--c1", type=float, nargs="+", default=[0.05], help="L1 weights to try")
    parser.add_argument("--c2", type=float, nargs="+", default=[0.05], help="L2 weights to try")
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--min-freq", type=int, default=1)
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"training data not found: {args.data} (the ANERcorp train split, see ../shared/ner/README.md)")
    shipped_only()
    from indexer.ingest.actors import gazetteer, ner_lexicon

    lexicon = ner_lexicon(gazetteer())
    raw = read_sentences(args.data)
    train_raw, dev_raw = split(raw)
    train_set = [as_ingested(sentence) for sentence in train_raw]
    dev_set = [as_ingested(sentence) for sentence in dev_raw]
    print(f"{len(train_set)} training sentences ({sum(len(w) for w, _ in train_set)} tokens), "
          f"{len(dev_set)} dev sentences ({sum(len(w) for w, _ in dev_set)} tokens)")
    args.out.mkdir(parents=True, exist_ok=True)
    best = None
    with tempfile.TemporaryDirectory() as scratch:
        for c1, c2 in itertools.product(args.c1, args.c2):
            settings = {"c1": c1, "c2": c2, "max_iterations": args.iterations, "feature.minfreq": args.min_freq}
            crf_path = Path(scratch) / f"crf-{c1}-{c2}.bin"
            npz_path = Path(scratch) / f"model-{c1}-{c2}.npz"
            start = time.perf_counter()
            train(train_set, lexicon, settings, crf_path)
            trained = time.perf_counter() - start
            sizes = export(crf_path, npz_path)
            scores, speed = evaluate(npz_path, lexicon, dev_set)
            print(f"c1={c1} c2={c2}: {sizes['attributes']} attributes, trained in {trained:.0f} s, "
                  f"dev micro F1 {scores['micro']['f1']:.4f}, tagger {speed:,.0f} tokens/s\n{format_scores(scores)}")
            if best is None or scores["micro"]["f1"] > best[0]["micro"]["f1"]:
                best = (scores, settings, sizes, npz_path.read_bytes())
        scores, settings, sizes, model_bytes = best
    (args.out / "model.npz").write_bytes(model_bytes)
    metadata = {
        "model": "linear-chain CRF (python-crfsuite, L-BFGS), exported to numpy tables",
        "trained": dt.date.today().isoformat(),
        "training_data": {
            "file": args.data.name,
            "sha256": hashlib.sha256(args.data.read_bytes()).hexdigest(),
            "sentences": len(raw),
            "train_sentences": len(train_set),
            "dev_sentences": len(dev_set),
            "dev_split": "the last sixth of the sentences, in file order",
            "description": "ANERcorp train split as re-split by CAMeL Lab (2020); BIO tags PERS, ORG, LOC, MISC",
        },
        "preprocessing": "indexer.ingest.actors.tokenize (ingestion's tokenizer and normalization)",
        "features": "indexer.ingest.ner.token_features at offsets -2..+2, lexicon from the shipped actors.json",
        "settings": settings,
        "labels": sizes["labels"],
        "attributes": sizes["attributes"],
        "dev_scores": scores,
        "citations": CITATIONS,
        "licence_note": "Trained from research data that is not redistributed here; only the weights ship.",
    }
    (args.out / "model.json").write_text(json.dumps(metadata, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'model.npz'} ({(args.out / 'model.npz').stat().st_size / 1e6:.1f} MB) "
          f"with c1={settings['c1']} c2={settings['c2']}: dev micro F1 {scores['micro']['f1']:.4f}")


if __name__ == "__main__":
    main()
