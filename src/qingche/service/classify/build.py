"""Training and evaluation: a model from the shared data (and, when asked, the county's own handled
requests), measured on the held-out part of each, stored as a new version with its figures."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime

from sklearn.metrics import accuracy_score, f1_score

from qingche.service.classify import data, store
from qingche.service.classify.model import Classifier, Params, train

COUNTY_HELD_OUT_SHARE = 0.2


def evaluate(classifier: Classifier, items: list[tuple[str, str]]) -> dict:
    """Macro-F1, accuracy and per-class F1 of the first level on (text, label) pairs."""
    if not items:
        return {"messages": 0}
    truth = [label for _text, label in items]
    predicted = classifier.predict([text for text, _label in items])
    labels = sorted(set(truth))
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return {
        "messages": len(items),
        "macro_f1": round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "per_class_f1": {label: round(float(score), 4) for label, score in zip(labels, per_class, strict=True)},
    }


def shared_held_out() -> list[tuple[str, str]]:
    """The project's own held-out split of train.csv (never used to train a model built here)."""
    return data.split(data.labelled())[1]


def _county_split(examples: list[tuple[str, tuple[str, ...]]]):
    shuffled = sorted(examples)
    random.Random(data.SPLIT_SEED).shuffle(shuffled)
    cut = round(len(shuffled) * COUNTY_HELD_OUT_SHARE)
    return shuffled[cut:], shuffled[:cut]


def build(
    county_examples: list[tuple[str, tuple[str, ...]]] = (), params: Params | None = None
) -> tuple[Classifier, dict]:
    """Train on the training part of the shared data (+ the unlabelled messages, if self-training) and on
    80 % of `county_examples` ((text, category path) of handled requests); evaluate on both held-out parts."""
    params = params or Params()
    started = time.perf_counter()
    labelled = data.labelled()
    train_items, held_out = data.split(labelled)
    seen: set[str] = set()
    data.dedupe(labelled, seen)
    unlabelled = data.unlabelled(seen) if params.self_training_margin is not None else []
    county_train, county_held = _county_split(list(county_examples))
    texts = [text for text, _ in train_items] + [text for text, _ in county_train]
    labels = [label for _, label in train_items] + [path[0] for _, path in county_train]
    classifier = train(texts, labels, unlabelled, data.taxonomy(), county_train, params)
    seconds = time.perf_counter() - started
    evaluation = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": "shared+county" if county_examples else "shared",
        "training_seconds": round(seconds, 1),
        "classes": classifier.classes,
        "training_messages": len(train_items),
        "unlabelled_messages": len(unlabelled),
        "county_training_requests": len(county_train),
        "held_out": evaluate(classifier, held_out),
        "county_held_out": evaluate(classifier, [(text, path[0]) for text, path in county_held]),
        "params": params.__dict__,
    }
    return classifier, evaluation


def build_and_store(county_examples=(), params: Params | None = None, replace_county: bool = True) -> dict:
    """Build a version and store it. It becomes the current one, except that a build from the shared data
    alone does not replace a current model that learned from the county (unless `replace_county`)."""
    classifier, evaluation = build(county_examples, params)
    current = next((version for version in store.versions() if version.current), None)
    keep_county = (
        not replace_county
        and not county_examples
        and current is not None
        and current.evaluation.get("source") == "shared+county"
    )
    name = store.save(classifier, evaluation, make_current=not keep_county)
    return {**evaluation, "version": name, "current": not keep_county}
