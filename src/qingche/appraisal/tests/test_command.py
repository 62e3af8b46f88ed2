"""`qingche appraisal simulate` run as a real subprocess on real files."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qingche.appraisal.tests.test_simulate import valid_input

QINGCHE = str(Path(sys.executable).with_name("qingche"))
SRC = str(Path(__file__).resolve().parents[3])


def run(*args, stdin=None):
    env = {**os.environ, "PYTHONPATH": SRC}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [QINGCHE, "appraisal", "simulate", *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
    )


def test_simulate_writes_ranked_results_to_the_output_file(tmp_path):
    source, target = tmp_path / "cycle.json", tmp_path / "result.json"
    source.write_text(json.dumps(valid_input(), ensure_ascii=False), encoding="utf-8")
    done = run("--input", str(source), "--output", str(target))
    assert done.returncode == 0, done.stderr
    result = json.loads(target.read_text(encoding="utf-8"))
    assert [row["rank"] for row in result["results"]] == list(range(1, 9))
    assert {"id", "score", "rank", "grade", "breakdown"} <= set(result["results"][0])
    assert isinstance(result["rater_flags"], list)
    assert json.loads(done.stderr.strip().splitlines()[-1])["people"] == 8


def _bad(tmp_path, change):
    data = valid_input()
    change(data)
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return run("--input", str(source), "--output", str(tmp_path / "out.json"))


def test_unknown_ratee_exits_non_zero_naming_it(tmp_path):
    done = _bad(tmp_path, lambda d: d["ratings"][3].update(ratee="nobody"))
    assert done.returncode != 0
    assert "ratings[3].ratee" in done.stderr and "nobody" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_weights_not_summing_to_one_exit_non_zero(tmp_path):
    done = _bad(tmp_path, lambda d: d["dimensions"].update(de=0.5))
    assert done.returncode != 0
    assert "dimensions" in done.stderr and "1.3" in done.stderr


def test_score_out_of_range_exits_non_zero(tmp_path):
    done = _bad(tmp_path, lambda d: d["ratings"][0]["scores"].update(ji=130))
    assert done.returncode != 0
    assert "ratings[0].scores.ji" in done.stderr


# The same command in-process (fast) for the remaining paths: stdout, standard input, broken files.
def test_prints_to_stdout_and_reads_standard_input(monkeypatch):
    import io

    from django.core.management import call_command

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(valid_input())))
    out = io.StringIO()
    call_command("appraisal", "simulate", "--input", "-", stdout=out)
    assert [row["rank"] for row in json.loads(out.getvalue())["results"]] == list(range(1, 9))


def test_missing_file_and_broken_json_are_named(tmp_path):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="none.json"):
        call_command("appraisal", "simulate", "--input", str(tmp_path / "none.json"))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match=r"not valid JSON \(line 1"):
        call_command("appraisal", "simulate", "--input", str(broken))
