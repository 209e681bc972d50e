"""Browser tests: Playwright for Python (pytest-playwright) driving Debian's chromium against `live_server`.

Playwright cannot download its own browser here, so it launches `/usr/bin/chromium` (`make test` installs
it with apt-get when missing; `CHROMIUM` overrides the path). A failing test saves a screenshot of the
page under `tests/artifacts/` (git-ignored) and names the file in its report.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD, UserFactory

BROWSER_TESTS = Path(__file__).resolve().parent

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
STAFF_EMAIL = "rosa.parks@example.com"


def _is_browser_test(item) -> bool:
    return Path(str(item.path)).is_relative_to(BROWSER_TESTS)


def pytest_collection_modifyitems(session, config, items):
    """The browser tests run last: see `pytest_runtest_setup`."""
    browser = [item for item in items if _is_browser_test(item)]
    if browser:
        items[:] = [item for item in items if not _is_browser_test(item)] + browser


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """pytest-playwright's sync API keeps an event loop running in this thread from its first test to the
    end of the session, which makes Django's ORM refuse to run here ("async-unsafe") although every call
    is synchronous. So the browser tests run last, and allow it from the first of them on; no other test
    (nor a `manage.py check --deploy` another test starts) runs with it set."""
    if _is_browser_test(item):
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": LAUNCH_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A laptop screen, and downloads kept so a test can read the exported file."""
    return {**browser_context_args, "viewport": {"width": 1366, "height": 768}, "accept_downloads": True}


@pytest.fixture
def csp_violations(page):
    """Messages of every Content-Security-Policy refusal the page logs (the admin runs under a CSP)."""
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


@pytest.fixture
def staff(transactional_db):
    return UserFactory(admin=True, email=STAFF_EMAIL, first_name="Rosa", last_name="Parks")


def log_in(page, live_server) -> None:
    """Log in through the admin's login form as the `staff` user."""
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", STAFF_EMAIL)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.fixture
def admin_page(page, live_server, staff):
    """The browser with a staff session already open (its cookie set; the login form has its own test)."""
    client = Client()
    client.force_login(staff)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page.set_default_timeout(10_000)
    return page


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    page = item.funcargs.get("page")
    if page is None or page.is_closed():
        return
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{item.name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as exc:  # noqa: BLE001 - the test's own failure is the one to report
        report.sections.append(("screenshot", f"could not save a screenshot: {exc}"))
        return
    report.sections.append(("screenshot", f"screenshot of the failing page: {path}"))
    print(f"\nscreenshot of the failing page: {path}")
