from qingche.service.api import ServiceRequestViewSet

routes = [("service/requests", ServiceRequestViewSet, "service-request")]
