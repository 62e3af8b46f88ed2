"""Survey templates from the seeds. Seed 004 (关于镇级领导干部队伍建设的调查报告) surveyed its town cadres "以问卷
调查和访谈形式": how many want to go back to the county organs (44% did) and why (任务重、权小责大、问责风险),
their working hours, and their training needs (培训需求专题调查, "缺什么、补什么"). The burden survey asks the
grassroots what 为基层减负 measures: forms, meetings and inspections, apps and chat-group check-ins,
责任书 and 一票否决, responsibility pushed down under 属地管理."""

from django.utils.translation import gettext_lazy as _

from qingche.surveys.rules import MULTIPLE, SCALE, SINGLE, TEXT

PRESETS = {
    "town_cadre": {
        "label": _("Town cadre survey (seed 004)"),
        "title": "镇级干部队伍建设问卷调查",
        "description": "了解镇级干部的工作状态、工作时间和培训需求，为加强镇级干部队伍建设提供依据。本问卷匿名填写。",
        "anonymous": True,
        "questions": [
            (SINGLE, "您是否希望调回县直机关单位工作？", ["是", "否", "说不清"], True),
            (
                MULTIPLE,
                "影响您安心基层工作的主要原因是？（可多选）",
                [
                    "工作任务重、压力大",
                    "权小责大，权力归部门、责任归地方",
                    "被问责风险高",
                    "经济待遇偏低",
                    "晋升空间小",
                    "家庭原因",
                ],
                True,
            ),
            (SINGLE, "您平均每周实际工作时间约为？", ["40小时以内", "40至50小时", "50至60小时", "60小时以上"], True),
            (SCALE, "您感受到的工作压力（1很小，5很大）", ["很小", "很大"], True),
            (
                MULTIPLE,
                "您最需要哪些方面的培训？（可多选）",
                ["政策法规", "群众工作方法", "应急处置", "经济发展与项目", "心理健康与压力调适", "数字化办公"],
                True,
            ),
            (SINGLE, "您更希望哪种培训方式？", ["集中轮训", "外出学习考察", "到上级部门跟班学习", "线上学习"], True),
            (TEXT, "对加强镇级干部队伍建设的意见和建议", [], False),
        ],
    },
    "burden": {
        "label": _("Grassroots burden survey"),
        "title": "基层负担情况问卷调查",
        "description": "了解为基层减负措施的落实情况和基层干部的实际负担，问题将转入整改。",
        "anonymous": False,
        "questions": [
            (
                SINGLE,
                "近一个月上级要求您填报的表格约有多少份？",
                ["5份以下", "5至10份", "10至20份", "20份以上"],
                True,
            ),
            (
                MULTIPLE,
                "哪些方面的负担最重？（可多选）",
                [
                    "文件会议多",
                    "督查检查考核多",
                    "填表报数多",
                    "政务App和工作群打卡",
                    "责任书和一票否决",
                    "属地管理推责",
                ],
                True,
            ),
            (SINGLE, "与去年相比，您的工作负担", ["明显减轻", "略有减轻", "没有变化", "有所加重"], True),
            (SCALE, "您对当前工作负担的整体感受（1很轻，5很重）", ["很轻", "很重"], True),
            (SINGLE, "您是否需要为\u201c痕迹管理\u201d拍照、截图或补材料？", ["经常", "有时", "从不"], True),
            (TEXT, "请写出最希望解决的一个负担问题", [], False),
        ],
    },
}


def choices():
    return [(key, preset["label"]) for key, preset in PRESETS.items()]
