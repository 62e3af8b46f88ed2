from qingche.service.api import ServiceRequestViewSet
from qingche.service.classify.api import ClassifyViewSet

routes = [
    ("service/requests", ServiceRequestViewSet, "service-request"),
    ("service/classify", ClassifyViewSet, "service-classify"),
]
