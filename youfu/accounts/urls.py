from django.urls import path

from youfu.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/otp/", views.login_otp_view, name="login_otp"),
    path("login/enrol/", views.login_enrol_view, name="login_enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("password/", views.password_choose_view, name="password_choose"),
    path("profile/", views.profile_view, name="profile"),
    path("profile/two-factor/", views.profile_two_factor_view, name="profile_two_factor"),
    path("users/", views.users_view, name="users"),
    path("users/<int:user_id>/", views.user_detail_view, name="user_detail"),
    path("approvals/", views.approvals_view, name="approvals"),
    path("approvals/recoveries/", views.recovery_decide_view, name="recovery_decide"),
]
