"""Validate township_duties.csv, the demo catalogue of township (street) duty items.

Standard library only. Run from anywhere:

    python src/qingche/duties/data/check_catalogue.py [path/to/township_duties.csv]

Prints counts per kind and per domain and the share of rows with empty powers,
then lists every problem found. Exits with status 1 if there is any problem.
"""

import csv
import re
import sys
from collections import Counter
from pathlib import Path

DEFAULT_PATH = Path(__file__).with_name("township_duties.csv")

COLUMNS = [
    "code",
    "name",
    "domain",
    "legal_basis",
    "kind",
    "lead_department",
    "cooperating_departments",
    "powers",
    "keywords",
]

# kind -> (code prefix, target count). Targets follow the national average of
# about 340 items per township: 117 basic, 99 cooperation, 124 taken back.
KINDS = {
    "basic": ("JB", 117),
    "cooperation": ("PH", 99),
    "taken_back": ("SH", 124),
}
COUNT_TOLERANCE = 5

DOMAINS = [
    "党的建设",
    "经济发展",
    "民生服务",
    "平安法治",
    "生态环境",
    "乡村振兴与农业农村",
    "城乡建设与管理",
    "社会保障",
    "教育文化卫生",
    "应急管理与消防",
    "基层治理",
    "综合保障",
]

DEPARTMENTS = {
    "县委办公室",
    "县政府办公室",
    "县纪委监委",
    "县委组织部",
    "县委宣传部",
    "县委统战部",
    "县委政法委",
    "县委编办",
    "县发展和改革局",
    "县教育局",
    "县科技和工业信息化局",
    "县公安局",
    "县民政局",
    "县司法局",
    "县财政局",
    "县人力资源和社会保障局",
    "县自然资源局",
    "县生态环境局",
    "县住房和城乡建设局",
    "县交通运输局",
    "县水利局",
    "县农业农村局",
    "县商务局",
    "县文化广电旅游体育局",
    "县卫生健康委员会",
    "县退役军人事务局",
    "县应急管理局",
    "县审计局",
    "县市场监督管理局",
    "县统计局",
    "县医疗保障局",
    "县林业局",
    "县城市管理局",
    "县乡村振兴局",
    "县信访局",
    "县行政审批服务局",
    "县数据资源局",
    "县消防救援大队",
    "县税务局",
    "县政务服务中心",
}

# Categories a power may start with ("行政检查：对……开展检查" or just "行政指导").
POWER_CATEGORIES = {
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政确认",
    "行政奖励",
    "行政裁决",
    "行政调解",
    "行政指导",
    "其他行政权力",
    "公共服务",
    "党内管理",
}

# Rows of basic and cooperation kinds with no power (责随权转 cases): about 8%.
EMPTY_POWERS_SHARE = (0.05, 0.12)

SEP = "；"
KEYWORDS_PER_ROW = (3, 6)


def split_list(value):
    return [part.strip() for part in value.split(SEP)] if value.strip() else []


def check(path):
    problems = []
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            return [], [f"header is {reader.fieldnames}, expected {COLUMNS}"]
        rows = list(reader)

    codes = Counter(row["code"] for row in rows)
    names = Counter(row["name"] for row in rows)
    for code, n in codes.items():
        if n > 1:
            problems.append(f"code {code} used {n} times")
    for name, n in names.items():
        if n > 1:
            problems.append(f"name used {n} times: {name}")

    for line, row in enumerate(rows, start=2):
        where = f"line {line} ({row['code']})"
        if any(v is None for v in row.values()) or None in row:
            problems.append(f"{where}: wrong number of fields")
            continue
        for column in COLUMNS:
            if row[column] != row[column].strip():
                problems.append(f"{where}: {column} has surrounding spaces")
            if ";" in row[column]:
                problems.append(f"{where}: {column} uses ';' instead of '{SEP}'")

        kind = row["kind"]
        if kind not in KINDS:
            problems.append(f"{where}: unknown kind {kind!r}")
        else:
            prefix = KINDS[kind][0]
            if not re.fullmatch(rf"{prefix}-\d{{3}}", row["code"]):
                problems.append(f"{where}: code should look like {prefix}-001 for kind {kind}")

        if not row["name"]:
            problems.append(f"{where}: empty name")
        if row["domain"] not in DOMAINS:
            problems.append(f"{where}: unknown domain {row['domain']!r}")
        if not re.search(r"《[^》]+》", row["legal_basis"]):
            problems.append(f"{where}: legal_basis names no statute in 《》")

        lead = row["lead_department"]
        if kind == "basic":
            if lead:
                problems.append(f"{where}: basic item has a lead department")
        elif kind in KINDS:
            if lead not in DEPARTMENTS:
                problems.append(f"{where}: lead_department {lead!r} is not a county department")
        cooperating = split_list(row["cooperating_departments"])
        for dept in cooperating:
            if dept not in DEPARTMENTS:
                problems.append(f"{where}: cooperating department {dept!r} is not a county department")
        if lead and lead in cooperating:
            problems.append(f"{where}: lead department also listed as cooperating")
        if len(set(cooperating)) != len(cooperating):
            problems.append(f"{where}: cooperating department listed twice")

        powers = split_list(row["powers"])
        if kind == "taken_back" and not powers:
            problems.append(f"{where}: taken-back item has no powers")
        for power in powers:
            category = power.split("：", 1)[0]
            if category not in POWER_CATEGORIES:
                problems.append(f"{where}: power {power!r} has unknown category {category!r}")
            if power.endswith("："):
                problems.append(f"{where}: power {power!r} has an empty description")

        keywords = split_list(row["keywords"])
        low, high = KEYWORDS_PER_ROW
        if not low <= len(keywords) <= high:
            problems.append(f"{where}: {len(keywords)} keywords, expected {low}-{high}")
        if any(not k for k in keywords) or len(set(keywords)) != len(keywords):
            problems.append(f"{where}: empty or repeated keyword")

    by_kind = Counter(row["kind"] for row in rows)
    for kind, (_, target) in KINDS.items():
        if abs(by_kind[kind] - target) > COUNT_TOLERANCE:
            problems.append(f"{by_kind[kind]} {kind} rows, expected {target} ± {COUNT_TOLERANCE}")

    eligible = [row for row in rows if row["kind"] in ("basic", "cooperation")]
    empty = [row for row in eligible if not row["powers"].strip()]
    share = len(empty) / len(eligible) if eligible else 0.0
    low, high = EMPTY_POWERS_SHARE
    if not low <= share <= high:
        problems.append(f"{share:.1%} of basic and cooperation rows have empty powers, expected {low:.0%}-{high:.0%}")

    return rows, problems


def report(rows):
    by_kind = Counter(row["kind"] for row in rows)
    print(f"rows: {len(rows)}")
    print("by kind:")
    for kind in KINDS:
        print(f"  {kind:<12} {by_kind[kind]:>4}")
    print("by domain (basic / cooperation / taken_back / total):")
    by_domain = Counter((row["domain"], row["kind"]) for row in rows)
    for domain in DOMAINS:
        counts = [by_domain[(domain, kind)] for kind in KINDS]
        print(f"  {domain:<10}\t" + " / ".join(f"{n:>3}" for n in counts) + f" / {sum(counts):>3}")
    print("empty powers:")
    for kind in KINDS:
        of_kind = [row for row in rows if row["kind"] == kind]
        empty = sum(1 for row in of_kind if not row["powers"].strip())
        print(f"  {kind:<12} {empty:>4} of {len(of_kind)}")
    eligible = [row for row in rows if row["kind"] in ("basic", "cooperation")]
    empty = sum(1 for row in eligible if not row["powers"].strip())
    if eligible:
        print(f"  basic + cooperation: {empty} of {len(eligible)} ({empty / len(eligible):.1%})")


def main(argv):
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_PATH
    rows, problems = check(path)
    report(rows)
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
