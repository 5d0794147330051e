from django.urls import path, register_converter

from . import configuration_views as views
from .converters import ProjectKeyConverter

register_converter(ProjectKeyConverter, "project_key")

app_name = "configuration_projects"

urlpatterns = [
    path("", views.select_project, name="select_project"),
    path("<project_key:key>/", views.configure_project, name="configure_project"),
]
