from django.urls import path

from voip.reports import views

app_name = "reports"

urlpatterns: list = [
    path("", views.reports, name="reports"),
    path("export/<slug:table>.<slug:fmt>", views.report_export, name="export"),
]
