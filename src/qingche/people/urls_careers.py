from django.urls import path

from qingche.people import views_careers as views

urlpatterns = [
    path("careers/eligibility/", views.eligibility, name="careers_eligibility"),
    path("careers/people/<int:person_id>/", views.person_careers, name="careers_person"),
    path("careers/pay/", views.pay, name="careers_pay"),
    path("careers/pay/<int:pk>/", views.pay_detail, name="careers_pay_detail"),
    path("careers/allowances/", views.allowances, name="careers_allowances"),
    path("careers/rotation/", views.rotation, name="careers_rotation"),
    path("careers/staffing/", views.staffing, name="careers_staffing"),
    path("careers/posts/<int:post_id>/hardship/", views.post_hardship, name="careers_post_hardship"),
    path("careers/transfers/", views.transfers, name="careers_transfers"),
    path("careers/transfers/new/<int:person_id>/", views.transfer_new, name="careers_transfer_new"),
    path("careers/transfers/<int:pk>/decide/", views.transfer_decide, name="careers_transfer_decide"),
]
