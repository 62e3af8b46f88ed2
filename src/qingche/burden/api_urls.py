from qingche.burden import api

routes = [
    ("burden/plan-items", api.PlanItemViewSet, "burden-plan-item"),
    ("burden/inspections", api.InspectionViewSet, "burden-inspection"),
    ("burden/meetings", api.MeetingViewSet, "burden-meeting"),
    ("burden/documents", api.DocumentViewSet, "burden-document"),
    ("burden/apps", api.AppViewSet, "burden-app"),
    ("burden/overtime", api.OvertimeViewSet, "burden-overtime"),
    ("burden/catalog", api.CatalogFieldViewSet, "burden-catalog-field"),
    ("burden/forms", api.ReportFormViewSet, "burden-report-form"),
    ("burden/fills", api.FormFillViewSet, "burden-form-fill"),
    ("burden/alerts", api.AlertViewSet, "burden-alert"),
    ("burden/reports", api.BurdenReportViewSet, "burden-report"),
    ("burden/index", api.IndexViewSet, "burden-index"),
    ("burden/person-index", api.PersonIndexViewSet, "burden-person-index"),
    ("burden/funds", api.FundAllocationViewSet, "burden-fund"),
    ("burden/staffing-requests", api.StaffingRequestViewSet, "burden-staffing-request"),
    ("burden/resources", api.ResourcesViewSet, "burden-resources"),
]
