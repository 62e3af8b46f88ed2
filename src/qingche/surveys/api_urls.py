from qingche.surveys import api

routes = [
    ("surveys", api.SurveyViewSet, "survey"),
    ("survey-inbox", api.SurveyInboxViewSet, "surveyinbox"),
]
