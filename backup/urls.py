from django.urls import path

from . import views

app_name = "backup"

urlpatterns = [
    path("", views.backup_tab, name="tab"),
    path("now/", views.back_up_now, name="now"),
    path("status/", views.backup_status_json, name="status"),
    path("schedule/", views.save_schedule, name="schedule"),
    path("scopes/", views.recheck_scopes, name="scopes"),
    path("<uuid:public_id>/download/", views.download, name="download"),
    path("<uuid:public_id>/delete/confirm/", views.confirm_delete, name="confirm_delete"),
    path("<uuid:public_id>/delete/", views.delete, name="delete"),
]
