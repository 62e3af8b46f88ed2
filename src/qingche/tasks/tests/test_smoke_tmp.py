def test_smoke(accounts):
    from qingche.duties.models import DutyList
    from qingche.tasks.models import Admission, TaskRequest, Task
    from collections import Counter
    print(DutyList.objects.count(), TaskRequest.objects.count(), Counter(Admission.objects.values_list("verdict", flat=True)), Counter(Task.objects.values_list("status", flat=True)))
