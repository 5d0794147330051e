from django.urls import path

from . import views

app_name = "tempo_integration"

urlpatterns = [
    path("", views.tempo_tab, name="tab"),
    path("add/", views.add, name="add"),
    path("check/", views.check_now, name="check"),
    path("revoke/", views.revoke, name="revoke"),
    path("revoke/confirm/", views.revoke_confirm, name="revoke_confirm"),
    path("expiry/", views.save_expiry, name="expiry"),
    path("oauth/connect/", views.oauth_connect, name="oauth_connect"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
]
