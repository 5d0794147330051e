from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.views import home

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("accounts.urls")),
    path(
        "configuration/",
        RedirectView.as_view(pattern_name="tempo_integration:tab"),
        name="configuration",
    ),
    path("configuration/tempo/", include("tempo_integration.urls")),
    path("configuration/projects/", include("portal.configuration_urls")),
    path("configuration/projects/", include("alerts.urls")),
    path("configuration/sync/", include("sync.urls")),
    path("configuration/backup/", include("backup.urls")),
    path("portal/", include("portal.urls")),
    path("", include("statements.urls")),
    path("webhooks/", include("webhooks.urls")),
    path("admin/", admin.site.urls),
]

handler500 = "worklog_report.error_views.server_error"
