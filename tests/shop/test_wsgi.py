"""config/wsgi.py, as a gunicorn worker imports it."""

import os
import subprocess
import sys

from tests.servers import BASE_DIR


def test_loading_the_application_freezes_its_objects_out_of_the_collector():
    code = "import gc, config.wsgi; print(gc.get_freeze_count())"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=os.environ, capture_output=True, text=True, check=True
    )
    assert int(result.stdout) > 10_000  # the app's modules and objects, out of every collection
