import pytest


@pytest.fixture
def other_town(db, town):
    from qingche.org.models import Unit

    return Unit.objects.filter(kind="town").exclude(pk=town.pk).order_by("path").first()


@pytest.fixture
def duty_list(db, town):
    """A published duty list of the first town, made through the duties models (the duties services are
    built elsewhere): one basic, one cooperation and one taken-back item with keywords."""
    from django.db.models import Max

    from qingche.duties.models import DutyItem, DutyList
    from qingche.org.models import Unit

    DutyList.objects.filter(unit=town, status="published").update(status="superseded")
    version = (DutyList.objects.filter(unit=town).aggregate(v=Max("version"))["v"] or 0) + 1
    published = DutyList.objects.create(unit=town, version=version, status="published")
    labour = Unit.objects.get(name="县人力资源和社会保障局")
    housing = Unit.objects.get(name="县住房和城乡建设局")
    DutyItem.objects.create(
        duty_list=published, kind="basic", code="JB-901", name="村庄保洁和生活垃圾收集转运", keywords="垃圾；保洁；清运"
    )
    DutyItem.objects.create(
        duty_list=published,
        kind="cooperation",
        code="PH-901",
        name="配合开展农民工工资清欠",
        keywords="拖欠工资；农民工",
        lead_unit=labour,
    )
    DutyItem.objects.create(
        duty_list=published,
        kind="taken_back",
        code="SH-901",
        name="城镇燃气安全监管",
        keywords="燃气；液化气",
        lead_unit=housing,
    )
    return published


@pytest.fixture
def category(db):
    from qingche.service.models import Category

    return Category.objects.filter(children__isnull=True, is_active=True).order_by("code").first()


@pytest.fixture
def submit(db, accounts, category, town):
    from qingche.service import services

    def make(text="东河镇村口垃圾堆了一个星期没有人清运，气味很大。", **kwargs):
        values = {
            "user": accounts["rexian"],
            "channel": "hotline",
            "category_id": category.pk,
            "text": text,
            "town_id": town.pk,
            "citizen_name": "王小明",
            "citizen_phone": "13800138000",
        }
        values.update(kwargs)
        return services.request_submit(**values)

    return make
