from django.urls import path

from . import views

app_name = "sync"

urlpatterns = [
    path("", views.sync_tab, name="tab"),
    path("now/", views.sync_now, name="now"),
    path("status/", views.sync_status_json, name="status"),
]
