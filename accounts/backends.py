"""Email + password authentication for the Django admin login and `authenticate()`."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User, normalize_email


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = normalize_email(email or username or kwargs.get(User.USERNAME_FIELD) or "")
        if not email or password is None:
            return None
        user = User.objects.with_email(email).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
