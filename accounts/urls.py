from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

urlpatterns = [
    # config.urls serves this path with permissions' invitation-aware subclass.
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    # Confirming the address: the e-mailed link (log-in needed) and the profile's "send again".
    path("confirm/again/", views.ResendConfirmationView.as_view(), name="confirm_email_again"),
    path("confirm/<str:token>/", views.ConfirmEmailView.as_view(), name="confirm_email"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Forgot password: an e-mail with a one-time link (Django's views, the site's templates).
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
