from qingche.service.api import KnowledgeEntryViewSet, ServiceRequestViewSet
from qingche.service.classify.api import ClassifyViewSet

routes = [
    ("service/requests", ServiceRequestViewSet, "service-request"),
    ("service/knowledge", KnowledgeEntryViewSet, "service-knowledge"),
    ("service/classify", ClassifyViewSet, "service-classify"),
]
