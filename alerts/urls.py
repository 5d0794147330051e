from django.urls import path

from portal import converters  # noqa: F401 - registers <project_key>

from . import views

app_name = "alerts"

CONTRACT = "<project_key:key>/contracts/<int:contract_id>"

urlpatterns = [
    path(f"{CONTRACT}/alerts/", views.alert_settings, name="settings"),
    path(f"{CONTRACT}/alerts/save/", views.save_alert_settings, name="save"),
]
