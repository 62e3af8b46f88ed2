import datetime as dt

import pytest

from qingche.core.audit import audit_context


@pytest.fixture
def admin(accounts):
    return accounts["admin"]


@pytest.fixture
def county(db):
    from qingche.org.models import Unit

    return Unit.objects.get(depth=1)


@pytest.fixture
def department(db):
    from qingche.org.models import Unit

    return Unit.objects.get(name="县农业农村局")


@pytest.fixture
def new_town(admin, county):
    """A fresh town with a post of quota 5 and three people moved into it from 2025-01-01."""
    from qingche.org import services as org
    from qingche.org.models import Person

    def make(name="测试镇", people=3):
        with audit_context(actor=admin):
            town = org.unit_create(user=admin, parent=county, name=name, kind="town")
            post = org.post_create(user=admin, unit=town, name="综合办公室科员", quota=5)
            for person in Person.objects.exclude(account__isnull=False).order_by("id")[:people]:
                org.assignment_create(user=admin, person=person, post=post, start_date=dt.date(2025, 1, 1))
        return town

    return make
