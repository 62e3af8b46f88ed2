"""The request classifier: the evaluation contract of `qingche service classify`, the API, model versions
with restore, and the quality of the built model on the project's held-out split (docs/classify.md).

The contract, API and quality tests reuse the model `make model` built under var/classifier/ (they skip
without it, and fail under CI); the version tests train tiny models in a temporary var directory."""

import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import require_or_skip

QUALITY_FLOOR = 0.85


@pytest.fixture(scope="module")
def built_model():
    from qingche.service.classify import data, store

    if store.current_name() is None:
        require_or_skip("no classifier built: run `make model`")
    if not (data.taidi_dir() / "train.csv").exists():
        require_or_skip(f"no shared data in {data.taidi_dir()}")
    return store.load()


def _write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


# -- the command-line contract --------------------------------------------------------------------------
def test_classify_writes_the_rows_with_category_confidence_and_path(built_model, tmp_path):
    source = _write(
        tmp_path / "in.csv",
        "id,text,note\n"
        "1,村旁化工厂偷排污水，河水发黑发臭，鱼都死了,a\n"
        '2,"公司拖欠我们农民工三个月工资，劳动监察大队不管",b\n'
        "3,孩子学校乱收补课费，要求家长必须参加,c\n",
    )
    target = tmp_path / "out.csv"
    call_command("service", "classify", "--input", str(source), "--output", str(target))
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["id"] for row in rows] == ["1", "2", "3"] and [row["note"] for row in rows] == ["a", "b", "c"]
    assert [row["category"] for row in rows] == ["环境保护", "劳动和社会保障", "教育文体"]
    for row in rows:
        assert 0 < float(row["confidence"]) <= 1
        assert row["category_path"].split(" / ")[0] == row["category"]


@pytest.mark.parametrize(
    ("content", "encoding", "message"),
    [
        ("id,body\n1,路灯坏了\n", "utf-8", "text"),
        ("id,text\n1,路灯坏了很久没人修\n", "gb18030", "UTF-8"),
        ("", "utf-8", "空|empty"),
        ("text\n", "utf-8", "没有|no messages"),
    ],
)
def test_bad_input_exits_non_zero_with_a_message_and_writes_nothing(built_model, tmp_path, content, encoding, message):
    source = _write(tmp_path / "in.csv", content, encoding)
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message):
        call_command("service", "classify", "--input", str(source), "--output", str(target))
    assert not target.exists()


def test_the_qingche_command_exits_non_zero_on_bad_input(tmp_path):
    """The real `qingche` program, as the evaluation runs it: exit status and message on stderr."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    source = _write(tmp_path / "in.csv", "id,body\n1,路灯坏了\n")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("qingche")),
            "service",
            "classify",
            "--input",
            str(source),
            "--output",
            str(tmp_path / "out.csv"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "text" in done.stderr
    assert not (tmp_path / "out.csv").exists()


# -- the API -----------------------------------------------------------------------------------------------
def test_api_suggests_a_category_to_the_hotline(built_model, api_as):
    response = api_as("rexian").post(
        "/api/v1/service/classify/", {"text": "公交车司机开车接打电话，还不按站停车"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["category"] == "交通运输"
    assert 0 < body["confidence"] <= 1
    assert len(body["candidates"]) == 3 and body["candidates"][0]["category"] == "交通运输"
    assert body["path"].startswith("交通运输")


def test_api_refuses_bad_bodies_and_other_roles(built_model, api_as, client):
    assert api_as("rexian").post("/api/v1/service/classify/", {}, format="json").status_code == 400
    assert api_as("rexian").post("/api/v1/service/classify/", {"text": ""}, format="json").status_code == 400
    assert api_as("shenji").post("/api/v1/service/classify/", {"text": "路灯坏了"}, format="json").status_code == 403
    assert client.post("/api/v1/service/classify/", {"text": "路灯坏了"}).status_code in (401, 403)


# -- quality -----------------------------------------------------------------------------------------------
def test_quality_on_the_held_out_split(built_model):
    """The figure the issue asks for (≥ 0.90 targeted), with a floor that a regression cannot pass."""
    from qingche.service.classify import build

    held_out = build.shared_held_out()
    figures = build.evaluate(built_model, held_out)
    assert figures["messages"] >= 400
    assert figures["macro_f1"] >= QUALITY_FLOOR, figures


def test_held_out_split_is_kept_apart_from_training():
    from qingche.service.classify import data

    if not (data.taidi_dir() / "train.csv").exists():
        require_or_skip(f"no shared data in {data.taidi_dir()}")
    train, held = data.split(data.labelled())
    train_keys = {key for text, _ in train for key in data.dedupe_keys(text)}
    assert not any(key in train_keys for text, _ in held for key in data.dedupe_keys(text))
    assert data.split(data.labelled()) == (train, held)  # the same split every time


# -- versions: build, list, restore ------------------------------------------------------------------------
@pytest.fixture
def tiny_store(settings, tmp_path):
    """Two tiny versions in a temporary var directory: the second current."""
    from qingche.service.classify import store
    from qingche.service.classify.model import Params, train

    settings.VAR_DIR = tmp_path
    texts = ["路灯坏了没人修", "拖欠工资不发", "学校乱收费", "路面塌陷很危险", "工资一直拖欠", "补课收费太高"] * 2
    labels = ["城乡建设", "劳动和社会保障", "教育文体"] * 4
    tree = [("城乡建设", "市政设施", "路灯"), ("劳动和社会保障", "劳动保障", "工资")]
    params = Params(self_training_margin=None, calibration_folds=2, min_df=1)
    first = store.save(train(texts, labels, tree=tree, params=params), {"source": "shared", "held_out": {}})
    second = store.save(train(texts, labels, params=params), {"source": "shared+county", "held_out": {}})
    return first, second


def test_restore_makes_the_previous_version_current_and_is_audited(tiny_store, accounts):
    from qingche.core.models import AuditEvent
    from qingche.service.classify import services, store

    first, second = tiny_store
    assert store.current_name() == second
    assert services.classifier_restore(accounts["xitong"]) == first
    assert store.current_name() == first
    assert store.load().suggest("小区路灯坏了").path == ["城乡建设", "市政设施", "路灯"]
    assert AuditEvent.objects.filter(action="classifier_restore", object_id=first).exists()
    with pytest.raises(CommandError):
        call_command("service", "classifier-restore", "no-such-version")
    call_command("service", "classifier-restore", second)
    assert store.current_name() == second


def test_only_the_system_administrator_restores(tiny_store, accounts):
    from django.core.exceptions import PermissionDenied

    from qingche.service.classify import services

    with pytest.raises(PermissionDenied):
        services.classifier_restore(accounts["rexian"])


def test_versions_are_listed_with_their_evaluation(tiny_store, capsys):
    from qingche.service.classify import store

    call_command("service", "classifier-versions")
    out = capsys.readouterr().out
    first, second = tiny_store
    assert f"* {second}" in out and first in out
    evaluation = json.loads((store.root() / first / store.EVALUATION_FILE).read_text(encoding="utf-8"))
    assert evaluation["version"] == first and evaluation["source"] == "shared"


def test_the_compiled_features_are_scikit_learns():
    """The classifier computes TF-IDF itself for speed; it must give what TfidfVectorizer gives."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qingche.service.classify.model import Params, train

    texts = [
        "路灯坏了没人修路灯",
        "拖欠工资不发ABC",
        "学校乱收费𠀀",
        "路面塌陷很危险",
        "工资一直拖欠",
        "补课收费太高",
    ] * 2
    params = Params(self_training_margin=None, calibration_folds=2, min_df=1, fold_codes=False)
    classifier = train(texts, ["城乡建设", "劳动和社会保障", "教育文体"] * 4, params=params)
    vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32).fit(texts)
    for text in ["路灯坏了，工资拖欠abc", "学校𠀀收费", "完全无关"]:
        expected = vectorizer.transform([text]).toarray()[0]
        index, weights = classifier.features(text)
        got = np.zeros_like(expected)
        got[index] = weights
        assert np.allclose(got, expected, atol=1e-6), text


def test_the_branch_prior_folded_into_the_weights_scores_as_scikit_learn_with_the_extra_features():
    """The keyword prior of 附件1 is trained as extra features and folded into the n-gram weights: the run-time
    model must give scikit-learn's probabilities for the widened features. Place codes and numbers fold."""
    import numpy as np
    from scipy import sparse
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize
    from sklearn.svm import LinearSVC

    from qingche.service.classify.model import Params, model_text, train

    texts = [
        "A3区路灯坏了没人修",
        "拖欠工资不发",
        "学校乱收费",
        "B12区路面塌陷很危险",
        "工资一直拖欠",
        "补课收费太高",
    ] * 2
    labels = ["城乡建设", "劳动和社会保障", "教育文体"] * 4
    tree = [("城乡建设", "市政设施", "路灯"), ("劳动和社会保障", "劳动保障", "工资"), ("教育文体", "教育", "收费")]
    params = Params(calibration_folds=2, min_df=1, fold_codes=True, branch_prior=1.0, c=1.0)
    classifier = train(texts, labels, tree=tree, params=params)
    assert model_text("A3区 第12号", True) == model_text("C7区第5号", True) == "ａ区第0号"

    vectorizer = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        sublinear_tf=True,
        dtype=np.float32,
        preprocessor=lambda text: model_text(text, True),
    )
    features = vectorizer.fit_transform(texts)
    prior = normalize(vectorizer.transform(["市政设施路灯", "劳动保障工资", "教育收费"]))
    widened = sparse.hstack([features, features @ prior.T]).tocsr()
    svm = LinearSVC(C=1.0, class_weight="balanced")
    expected = CalibratedClassifierCV(svm, method="sigmoid", cv=2, ensemble=False).fit(widened, labels)
    for text in ["D5区路灯坏了，工资拖欠", "学校收费", "完全无关"]:
        wide = vectorizer.transform([text])
        want = expected.predict_proba(sparse.hstack([wide, wide @ prior.T]).tocsr())[0]
        assert np.allclose(classifier.probabilities(*classifier.features(text)), want, atol=1e-4), text


# -- the system administrator's page -----------------------------------------------------------------------
def test_the_page_lists_versions_and_restores_for_the_system_administrator(tiny_store, client_as):
    from qingche.service.classify import store

    first, second = tiny_store
    page = client_as("xitong").get("/service/classifier/")
    assert page.status_code == 200
    assert first in page.content.decode() and second in page.content.decode()
    done = client_as("xitong").post("/service/classifier/", {"action": "restore", "version": first})
    assert done.status_code == 302 and store.current_name() == first
    bad = client_as("xitong").post("/service/classifier/", {"action": "restore", "version": "nothing"})
    assert bad.status_code == 400 and store.current_name() == first


def test_the_page_is_refused_to_other_roles(tiny_store, client_as):
    assert client_as("rexian").get("/service/classifier/").status_code == 403
    assert client_as("rexian").post("/service/classifier/", {"action": "restore"}).status_code == 403


def test_retraining_from_the_page_is_queued_for_the_worker(tiny_store, client_as, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as("xitong").post("/service/classifier/", {"action": "retrain"})
    assert response.status_code == 302
    assert DBTaskResult.objects.filter(task_path__endswith="run_classifier_build").exists()
