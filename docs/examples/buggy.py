"""Real bugs of the four kinds safelint finds: run `safelint check docs/examples`."""

import json
import os
import threading

counts = {}


def save_settings(path, settings):
    try:
        with open(path, "w") as handle:
            json.dump(settings, handle)
    except Exception:
        pass


def home_directory():
    return os.environ.get("HOME").rstrip("/")


def read_config(path):
    f = open(path)
    data = f.read()
    f.close()
    return data


def count(key):
    counts[key] = counts.get(key, 0) + 1


def start_workers():
    for key in ("a", "b"):
        threading.Thread(target=count, args=(key,)).start()
