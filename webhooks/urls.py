from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("tempo/<str:public_id>/", views.tempo, name="tempo"),
    path("jira/<str:public_id>/", views.jira, name="jira"),
]
