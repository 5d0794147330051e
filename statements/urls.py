from django.urls import path

from portal import converters  # noqa: F401 - registers <project_key>

from . import views

app_name = "statements"

urlpatterns = [
    path("portal/<project_key:key>/statements/", views.statement_list, name="list"),
    path(
        "portal/<project_key:key>/statements/<uuid:public_id>.pdf",
        views.statement_file,
        {"kind": "pdf"},
        name="pdf",
    ),
    path(
        "portal/<project_key:key>/statements/<uuid:public_id>.csv",
        views.statement_file,
        {"kind": "csv"},
        name="csv",
    ),
    path(
        "portal/<project_key:key>/statements/e-mail/",
        views.email_preference,
        name="email_preference",
    ),
    # The signed token rides in the query string (?token=…), which the logs redact
    # (worklog_report.redaction), never in the path.
    path("statements/opt-out/", views.opt_out, name="opt_out"),
    path("statements/opt-out/undo/", views.opt_in, name="opt_in"),
]
