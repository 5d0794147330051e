from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import ChoosePasswordForm, SignInForm

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=SignInForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/set/", views.SetPasswordRequestView.as_view(), name="password_reset"),
    path(
        "password/set/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/set_password_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password_confirm.html", form_class=ChoosePasswordForm
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/set_password_complete.html"
        ),
        name="password_reset_complete",
    ),
]
