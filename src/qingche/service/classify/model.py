"""The classifier itself: character n-gram TF-IDF, a linear SVM with sigmoid-calibrated confidences for the
first level (with a keyword prior per branch of 附件1; self-trained on unlabelled messages when asked),
and, within the chosen branch, the second and third levels by similarity to each leaf of the tree (its
names, plus the county's own handled requests).

Pure Python and scikit-learn: no ORM, no files (store.py keeps the files)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from qingche.service.classify.data import normalise

PATH_SEPARATOR = " / "
TOP_N = 3
# The message board anonymised places as capital letters with numbers (A市, A2区, C4县): the letters and all
# digits are folded to one placeholder each, so that "A3区" and "B7区" (or two house numbers) look alike.
_PLACE_CODE = re.compile(r"[A-Z]\d*")
_DIGITS = re.compile(r"\d+")


def model_text(text: str, fold_codes: bool) -> str:
    """What the n-grams are taken from: whitespace removed and, with `fold_codes`, place codes and numbers
    folded; then lower case (as TfidfVectorizer does)."""
    text = normalise(text)
    if fold_codes:
        text = _DIGITS.sub("0", _PLACE_CODE.sub("Ａ", text))
    return text.lower()


@dataclass(frozen=True)
class Params:
    ngram_max: int = 3  # at most 3: see gram_codes
    min_df: int = 2
    c: float = 1.0
    # Unlabelled messages whose two best classes differ by more than this margin (of the SVM's decision
    # values) join the training set with the predicted class: one round of self-training. Off by default:
    # in 5-fold cross-validation it lowered macro-F1 at every margin tried (docs/classify.md).
    self_training_margin: float | None = None
    calibration_folds: int = 3
    # How much a leaf's own names weigh against the mean of the county's requests filed under it.
    name_weight: float = 1.0
    # Fold place codes and numbers (model_text) before taking n-grams: no gain in cross-validation, so off.
    fold_codes: bool = False
    # A keyword prior from 附件1: for each first-level class, the cosine of the message with all the names of
    # its branch (二级 + 三级) is one more feature, times this weight (0: none). Being linear in the
    # message's TF-IDF, it is folded into the SVM's weights after training: nothing more at run time.
    # 2.0 with C 1.0: +0.016 of macro-F1 over C 0.5 without it, paired over 15 folds (docs/classify.md).
    branch_prior: float = 2.0


@dataclass
class Suggestion:
    category: str
    confidence: float
    candidates: list[dict]
    path: list[str]

    @property
    def path_text(self) -> str:
        return PATH_SEPARATOR.join(self.path)

    def as_dict(self) -> dict:
        return {
            "category": self.category,
            "confidence": self.confidence,
            "candidates": self.candidates,
            "path": self.path_text,
        }


@dataclass(repr=False)
class Classifier:
    """The trained model reduced to arrays, so that one suggestion costs a few hundred microseconds of plain
    numpy (scikit-learn's per-call checks cost several milliseconds). `train` builds it; it reproduces
    TfidfVectorizer(analyzer="char", sublinear_tf, l2) → LinearSVC → sigmoid calibration exactly."""

    classes: list[str]
    gram_codes: np.ndarray  # sorted gram_codes() of the vocabulary's n-grams …
    gram_columns: np.ndarray  # … and the feature number of each
    ngram_max: int
    idf: np.ndarray  # (features,)
    coef: np.ndarray  # (classes, features), C order
    intercept: np.ndarray  # (classes,)
    sigmoid: np.ndarray  # (classes, 2): a, b of p = 1 / (1 + exp(a·score + b))
    leaves: list[tuple[str, ...]]
    leaf_rows: sparse.csr_matrix  # features × leaves: one L2-normalised column per leaf
    leaves_of: dict[str, np.ndarray] = field(default_factory=dict)  # first-level name → leaf numbers
    fold_codes: bool = False  # model_text's option, as trained (versions stored before it: False)

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(feature numbers, TF-IDF weights) of one text, L2-normalised."""
        codes, counts = np.unique(gram_codes(model_text(text, self.fold_codes), self.ngram_max), return_counts=True)
        position = np.minimum(np.searchsorted(self.gram_codes, codes), len(self.gram_codes) - 1)
        known = self.gram_codes[position] == codes
        if not known.any():
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        index = self.gram_columns[position[known]]
        weights = (1 + np.log(counts[known].astype(np.float32))) * self.idf[index]
        weights /= np.sqrt(weights @ weights)
        return index, weights

    def probabilities(self, index: np.ndarray, weights: np.ndarray) -> np.ndarray:
        scores = self.coef[:, index] @ weights + self.intercept
        calibrated = 1 / (1 + np.exp(self.sigmoid[:, 0] * scores + self.sigmoid[:, 1]))
        total = calibrated.sum()
        return calibrated / total if total > 0 else np.full(len(self.classes), 1 / len(self.classes))

    def suggest(self, text: str) -> Suggestion:
        index, weights = self.features(text)
        scores = self.probabilities(index, weights)
        order = np.argsort(-scores)[:TOP_N]
        similarity = np.asarray(self.leaf_rows[index].T @ weights).ravel() if len(index) and len(self.leaves) else None
        candidates = [
            {
                "category": self.classes[i],
                "confidence": round(float(scores[i]), 4),
                "path": PATH_SEPARATOR.join(self._path(self.classes[i], similarity)),
            }
            for i in order
        ]
        top = candidates[0]["category"]
        return Suggestion(top, candidates[0]["confidence"], candidates, self._path(top, similarity))

    def _path(self, top: str, similarity: np.ndarray | None) -> list[str]:
        """The most similar leaf within the branch `top` (each candidate gets its own, so that a person may
        pick the second class and still land on a leaf)."""
        rows = self.leaves_of.get(top)
        if rows is None or not len(rows) or similarity is None:
            return [top]
        within = similarity[rows]
        best = int(np.argmax(within))
        return list(self.leaves[rows[best]]) if within[best] > 0 else [top]

    def suggest_many(self, texts: list[str]) -> list[Suggestion]:
        return [self.suggest(text) for text in texts]

    def predict(self, texts: list[str]) -> list[str]:
        return [self.classes[int(np.argmax(self.probabilities(*self.features(text))))] for text in texts]


def gram_codes(text: str, ngram_max: int) -> np.ndarray:
    """Every 1- to ngram_max-gram of `text` as one integer: 21 bits a character (all of Unicode), the
    n-gram's characters side by side. A longer n-gram starts with a non-zero character, so it is above
    every shorter one: codes of different strings never meet (up to 3-grams in 63 bits)."""
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    parts, grams = [chars], chars
    for n in range(2, ngram_max + 1):
        grams = (grams[:-1] << 21) | chars[n - 1 :]
        parts.append(grams)
    return np.concatenate(parts)


def _vocabulary_codes(vectorizer: TfidfVectorizer, ngram_max: int) -> dict:
    grams = list(vectorizer.vocabulary_)
    codes = np.array([gram_codes(gram, ngram_max)[-1] for gram in grams], dtype=np.int64)
    order = np.argsort(codes)
    columns = np.array([vectorizer.vocabulary_[gram] for gram in grams], dtype=np.int64)
    return {"gram_codes": codes[order], "gram_columns": columns[order]}


def _svm(params: Params) -> LinearSVC:
    return LinearSVC(C=params.c, class_weight="balanced")


def _self_trained(features, labels: np.ndarray, unlabelled_features, params: Params):
    """The labelled rows plus the unlabelled ones the first model is sure about, with its labels."""
    if params.self_training_margin is None or unlabelled_features is None:
        return features, labels
    first = _svm(params).fit(features, labels)
    decision = first.decision_function(unlabelled_features)
    ranked = np.sort(decision, axis=1)
    sure = (ranked[:, -1] - ranked[:, -2]) > params.self_training_margin
    pseudo = first.classes_[decision.argmax(axis=1)]
    return sparse.vstack([features, unlabelled_features[sure]]).tocsr(), np.concatenate([labels, pseudo[sure]])


def train(
    texts: list[str],
    labels: list[str],
    unlabelled: list[str] = (),
    tree: list[tuple[str, ...]] = (),
    examples: list[tuple[str, tuple[str, ...]]] = (),
    params: Params = Params(),
) -> Classifier:
    """A classifier of first-level `labels`; `tree` gives the lower levels (paths of names) and `examples`
    (text, path) the county's own requests filed under a lower-level category."""
    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, params.ngram_max),
        min_df=params.min_df,
        sublinear_tf=True,
        dtype=np.float32,
        preprocessor=lambda text: model_text(text, params.fold_codes),
    )
    # The vocabulary and weights come from the labelled messages alone: fitted on the unlabelled ones too,
    # they cost about 0.01 of macro-F1 in cross-validation.
    features = vectorizer.fit_transform(texts)
    extra = vectorizer.transform(list(unlabelled)) if len(unlabelled) else None
    labels_array = np.array(labels, dtype=object)
    prior = _branch_prior(vectorizer, tree, sorted(set(labels)), params)
    features, extra = _with_prior(features, prior), _with_prior(extra, prior)
    features, labels_array = _self_trained(features, labels_array, extra, params)
    model = CalibratedClassifierCV(_svm(params), method="sigmoid", cv=params.calibration_folds, ensemble=False)
    model.fit(features, labels_array.astype(str))
    leaves, leaf_matrix, leaves_of = _leaf_index(vectorizer, tree, examples, params)
    calibrated = model.calibrated_classifiers_[0]
    svm = calibrated.estimator
    width = len(vectorizer.vocabulary_)
    coef = svm.coef_[:, :width]
    if prior is not None:  # w·(x·Pᵀ) = (w·P)·x: the prior's weights go back onto the n-grams
        coef = coef + np.asarray(prior.T @ svm.coef_[:, width:].T).T
    return Classifier(
        classes=[str(name) for name in model.classes_],
        **_vocabulary_codes(vectorizer, params.ngram_max),
        ngram_max=params.ngram_max,
        idf=vectorizer.idf_.astype(np.float32),
        coef=np.ascontiguousarray(coef, dtype=np.float32),
        intercept=svm.intercept_.astype(np.float32),
        sigmoid=np.array([[c.a_, c.b_] for c in calibrated.calibrators], dtype=np.float32),
        leaves=leaves,
        leaf_rows=leaf_matrix.T.tocsr(),
        leaves_of=leaves_of,
        fold_codes=params.fold_codes,
    )


def _branch_prior(vectorizer, tree, classes: list[str], params: Params):
    """(classes × features): each class's branch names of the tree as one L2-normalised TF-IDF row, times
    params.branch_prior; None when off or without a tree."""
    if not params.branch_prior or not tree:
        return None
    names = {name: "".join("".join(path[1:]) for path in tree if path[0] == name) for name in classes}
    return (normalize(vectorizer.transform([names[name] for name in classes])) * params.branch_prior).tocsr()


def _with_prior(features, prior):
    if features is None or prior is None:
        return features
    return sparse.hstack([features, features @ prior.T]).tocsr()


def _leaf_index(vectorizer, tree, examples, params: Params):
    """One vector per deepest path: its own names (weighted) plus the mean of the requests filed under it."""
    leaves = sorted({tuple(path) for path in tree if len(path) > 1} | {tuple(p) for _t, p in examples if len(p) > 1})
    if not leaves:
        return [], sparse.csr_matrix((0, len(vectorizer.vocabulary_)), dtype=np.float32), {}
    index = {leaf: row for row, leaf in enumerate(leaves)}
    names = normalize(vectorizer.transform(["".join(leaf[1:]) for leaf in leaves])) * params.name_weight
    matrix = names.tolil()
    filed: dict[int, list[str]] = defaultdict(list)
    for text, path in examples:
        if tuple(path) in index:
            filed[index[tuple(path)]].append(text)
    for row, texts in filed.items():
        mean = sparse.csr_matrix(normalize(vectorizer.transform(texts)).mean(axis=0))
        matrix[row] = matrix[row] + mean
    leaves_of: dict[str, list[int]] = defaultdict(list)
    for row, leaf in enumerate(leaves):
        leaves_of[leaf[0]].append(row)
    return (
        leaves,
        normalize(matrix.tocsr()).astype(np.float32),
        {top: np.array(rows) for top, rows in leaves_of.items()},
    )
