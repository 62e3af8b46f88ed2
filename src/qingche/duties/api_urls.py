from qingche.duties import api

routes = [
    ("duty-lists", api.DutyListViewSet, "dutylist"),
    ("duty-items", api.DutyItemViewSet, "dutyitem"),
]
