from django.urls import path  # noqa: F401  (slices add their routes here)

app_name = "voip"

urlpatterns: list = []
