"""The peer's routes: django-oscar-api under /api/ (all the benchmark calls)."""

from django.urls import include, path

urlpatterns = [path("api/", include("oscarapi.urls"))]
