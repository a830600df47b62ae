from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("crm/", include("crm.urls")),
    path("voip/reports/", include("voip.reports.urls")),
    path("voip/", include("voip.urls")),
    path("callcentre/", include("voip.callcentre.urls")),
    path("api/", include("voip.api.urls")),
    path("", RedirectView.as_view(pattern_name="crm:contact_list", permanent=False)),
]
