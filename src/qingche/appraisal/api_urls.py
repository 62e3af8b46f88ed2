from qingche.appraisal import api

routes = [
    ("appraisal/schemes", api.SchemeViewSet, "appraisal-scheme"),
    ("appraisal/cycles", api.CycleViewSet, "appraisal-cycle"),
    ("appraisal/results", api.ResultViewSet, "appraisal-result"),
    ("appraisal/ratings", api.RatingViewSet, "appraisal-rating"),
    ("appraisal/appeals", api.AppealViewSet, "appraisal-appeal"),
    ("appraisal/rater-flags", api.RaterFlagViewSet, "appraisal-rater-flag"),
    ("appraisal/outcomes", api.OutcomeViewSet, "appraisal-outcome"),
]
