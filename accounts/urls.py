from django.urls import path

from accounts import admin_views, views

urlpatterns = [
    path("auth/register", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth-logout"),
    path("users/profile", views.ProfileView.as_view(), name="user-profile"),
    path("users/change-password", views.PasswordChangeView.as_view(), name="user-change-password"),
    path("admin/users", admin_views.AdminUserListView.as_view(), name="admin-users"),
    path("admin/users/<str:user_id>/role", admin_views.AdminUserRoleView.as_view(), name="admin-user-role"),
]
