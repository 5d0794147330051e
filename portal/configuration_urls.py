from django.urls import path

from . import configuration_views as views
from . import converters  # noqa: F401 - registers <project_key>

app_name = "configuration_projects"

urlpatterns = [
    path("", views.select_project, name="select_project"),
    path("<project_key:key>/", views.configure_project, name="configure_project"),
]
