"""The request category tree."""

from __future__ import annotations

from pathlib import Path

from qingche.service.classify.data import taidi_dir
from qingche.service.models import Category

BUILTIN_TREE = {
    "城乡建设": (
        "general",
        {
            "市政设施": ["道路破损", "路灯损坏", "排水不畅"],
            "物业管理": ["物业服务", "维修基金"],
            "供水供电": ["停水", "停电", "燃气"],
        },
    ),
    "环境保护": ("general", {"环境污染": ["噪音扰民", "垃圾清运", "油烟污染"]}),
    "交通运输": ("general", {"公共交通": ["公交线路", "出租车"], "道路交通": ["违章停车"]}),
    "劳动和社会保障": ("complex", {"劳动保障": ["拖欠工资", "社保缴纳"], "社会救助": ["低保", "养老服务"]}),
    "教育文体": ("general", {"教育管理": ["入学", "校外培训"]}),
    "卫生计生": ("general", {"医疗服务": ["看病就医", "医保报销"]}),
    "商贸旅游": ("general", {"市场监管": ["价格投诉", "食品安全"]}),
    "农村农业": ("general", {"农业生产": ["农田水利", "农资质量"], "乡村治理": ["村务公开", "人居环境"]}),
    "安全生产": ("emergency", {"安全隐患": ["火灾隐患", "危房", "地质灾害"]}),
}
UTILITY_WORDS = ("水", "电", "气", "暖")
EMERGENCY_WORDS = ("安全", "事故", "火", "灾", "隐患")


def category_tree_load(rows: list[tuple[str, str, str]]) -> int:
    """Create the three-level tree from (一级, 二级, 三级) rows; existing nodes are kept. Returns nodes made.
    Top-level time limits: emergencies and utilities by their names, 劳动和社会保障 complex, else general."""
    created = 0
    nodes: dict[tuple[str, ...], Category] = {
        tuple(category.path_names): category for category in Category.objects.select_related("parent__parent")
    }
    counters = [Category.objects.filter(level=level).count() for level in (1, 2, 3)]
    for row in rows:
        path: tuple[str, ...] = ()
        parent = None
        for level, name in enumerate(row, start=1):
            name = (name or "").strip()[:100]
            if not name:
                break
            path = (*path, name)
            node = nodes.get(path)
            if node is None:
                counters[level - 1] += 1
                kind = ""
                if level == 1:
                    kind = "complex" if "劳动" in name else "general"
                if any(word in name for word in EMERGENCY_WORDS):
                    kind = "emergency"
                elif level > 1 and any(word in name for word in UTILITY_WORDS) and ("供" in name or "停" in name):
                    kind = "utility"
                code = (parent.code + "-" if parent else "C") + f"{counters[level - 1]:03d}"
                node = Category.objects.create(parent=parent, level=level, code=code, name=name, limit_kind=kind)
                nodes[path] = node
                created += 1
            parent = node
    return created


def category_seed(data_dir=None) -> int:
    """Seed the tree from 附件1.xlsx when the shared data folder is present; else the built-in tree."""
    if Category.objects.exists():
        return 0
    path = Path(data_dir or taidi_dir()) / "附件1.xlsx"
    rows: list[tuple[str, str, str]] = []
    if path.exists():
        import openpyxl  # lazy: openpyxl is slow to import and only Excel files need it

        workbook = openpyxl.load_workbook(path, read_only=True)
        for index, row in enumerate(workbook.worksheets[0].iter_rows(values_only=True)):
            if index == 0 or not row or not row[0]:
                continue
            rows.append(tuple(str(cell or "").strip() for cell in row[:3]))
        workbook.close()
    if not rows:
        for top, (_kind, seconds) in BUILTIN_TREE.items():
            for second, thirds in seconds.items():
                rows.extend((top, second, third) for third in thirds)
    created = category_tree_load(rows)
    for top, (kind, _seconds) in BUILTIN_TREE.items():
        Category.objects.filter(level=1, name=top, limit_kind="general").exclude(limit_kind=kind).update(
            limit_kind=kind
        )
    return created
