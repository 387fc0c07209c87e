"""Whether a missing browser fails the run or skips its tests, and how to install one."""

import os

REQUIRED = os.environ.get("FEEDS_REQUIRE_BROWSER") == "1"
SETUP_HINT = "install it with 'sudo bash .ci/setup-browser.sh' and \"pip install -e '.[test]'\""
