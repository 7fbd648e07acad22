#!/usr/bin/env python3
"""The scenarios tagged `edges` against each deployment of spec/settings/, as CI runs them.

For each file, a server started with it as its `.env` (behind it the upstream the file names, see deployments.py),
then `specrunner --tag edges --settings FILE`: a scenario runs against the file that has its settings and is skipped,
saying why, against the others. Prints the server's log when a run fails.

    scripts/edges.py BIN_DIR REPORTS_DIR     (BIN_DIR holds server and specrunner; a JUnit report per file)

Exit status: 0 every run passed, 1 otherwise. Bounded: each run by specrunner's own step timeouts.
"""

import os
import secrets
import subprocess
import sys
import tempfile

from deployments import SettingsDeployment, settings_files


def main():
    binaries, reports = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    work = tempfile.mkdtemp(prefix="edges-")
    settings = {"JWT_SECRET": secrets.token_urlsafe(48), "BCRYPT_COST": "10"}
    status = 0
    for name, path in settings_files():
        deployment = SettingsDeployment(os.path.join(binaries, "server"), os.path.join(work, name), path,
                                        dict(settings, DATABASE_PATH=os.path.join(work, name, "db.sqlite")))
        try:
            if deployment.ready():
                command = [os.path.join(binaries, "specrunner"), "--base-url", deployment.url, "--tag", "edges", "--settings", path,
                           "--report", f"junit={os.path.join(reports, name + '.junit.xml')}"]
                passed = subprocess.run(command).returncode == 0
            else:
                print(f"the {name} deployment did not start")
                passed = False
        finally:
            deployment.stop()
        if not passed:
            status = 1
            with open(deployment.log_path, encoding="utf-8", errors="replace") as log:
                print(f"the {name} run failed; server log:\n" + "".join(log.readlines()[-20:]))
    return status


if __name__ == "__main__":
    sys.exit(main())
