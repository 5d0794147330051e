from django.urls import path

from . import converters, views  # noqa: F401 - converters registers <project_key> and co.

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("<project_key:key>/worklog-report/", views.worklog_report, name="worklog_report"),
    path(
        "<project_key:key>/worklog-report/<request_key:request_key>/",
        views.request_worklogs,
        name="request_worklogs",
    ),
]
