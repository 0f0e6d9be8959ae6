"""An example with real bugs of the kinds safelint finds: `safelint check docs/examples`."""

import json
import subprocess


def load_settings(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except Exception:
        pass  # every error -- a typo, a permission problem, broken JSON -- silently becomes None


def deploy(host):
    for attempt in range(3):
        try:
            subprocess.run(["ssh", host, "deploy"], check=True)
            return True
        except:
            continue
    return False
