from django.urls import path

from . import views

app_name = "jsm"

urlpatterns = [
    path("", views.sync_tab, name="sync"),
    path("now/", views.sync_now, name="sync_now"),
    path("status/", views.sync_status_json, name="sync_status"),
]
