"""``/api/v1/``: the REST API; ``/api/schema/``: its OpenAPI 3 schema; ``/api/docs/``: Swagger UI."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from crm.api import CompanyViewSet, ContactViewSet

from . import views

router = DefaultRouter()
router.register("contacts", ContactViewSet, basename="contact")
router.register("companies", CompanyViewSet, basename="company")
router.register("calls", views.CallViewSet, basename="call")
router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("tokens", views.ApiTokenViewSet, basename="token")

urlpatterns = [
    path("v1/", include((router.urls, "api"), namespace="v1")),
    path("v1/click-to-call/", views.ClickToCallView.as_view(), name="api-click-to-call"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
