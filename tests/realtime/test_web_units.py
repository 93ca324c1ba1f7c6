"""The browser's pure live modules (the sequencer and the outbox) pass their unit tests.

web/unit/*.test.mjs run under `node --test` on the modules transpiled from web/src
(`npm run test:unit` in web/); this runs them with the suite.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"


def test_the_sequencer_and_the_outbox_pass_their_unit_tests() -> None:
    done = subprocess.run(
        ["node", "scripts/unit-tests.mjs"], cwd=WEB, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
