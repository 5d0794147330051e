from django.urls import path

from . import configuration_views as views

app_name = "configuration_projects"

urlpatterns = [
    path("", views.select_project, name="select_project"),
    path("<str:key>/", views.configure_project, name="configure_project"),
]
