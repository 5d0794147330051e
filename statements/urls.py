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
    path("statements/opt-out/<str:token>/", views.opt_out, name="opt_out"),
    path("statements/opt-out/<str:token>/undo/", views.opt_in, name="opt_in"),
]
