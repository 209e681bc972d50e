from django.urls import path

from returns import views

urlpatterns = [
    path("returns", views.ReturnListCreateView.as_view(), name="returns"),
    path("returns/<str:return_id>", views.ReturnDetailView.as_view(), name="return-detail"),
    path("admin/returns", views.AdminReturnListView.as_view(), name="admin-returns"),
    path(
        "admin/returns/<str:return_id>/process",
        views.AdminReturnProcessView.as_view(),
        name="admin-return-process",
    ),
]
