"""Prints the banner bin/serve shows once the server is ready: the URL, the model, the API key.

Usage: announce.py HEALTH_READY_JSON KEY_FILE (the generated key's file; SIGHTLINE_API_KEYS wins).
"""
import json
import os
import sys

body, key_file = sys.argv[1], sys.argv[2]
base = sys.argv[3] if len(sys.argv) > 3 else "http://localhost:8080/"
try:
    checks = json.loads(body).get("checks", [])
    data = next((c.get("data", {}) for c in checks if c.get("name") == "model"), {})
except ValueError:
    data = {}
if os.environ.get("SIGHTLINE_API_KEYS") or os.environ.get("SIGHTLINE_API_ADMIN_KEYS"):
    key = "one of SIGHTLINE_API_KEYS / SIGHTLINE_API_ADMIN_KEYS"
elif os.path.isfile(key_file):
    key = open(key_file).read().strip().splitlines()[0]
else:
    key = "(see the server log)"
bar = "=" * 70
print(bar)
if data.get("load_error"):
    print(" Sightline: the model FAILED to load: " + str(data["load_error"]))
elif not data:
    print(" Sightline did not become ready; see the server log above.")
else:
    print(" Sightline is ready: " + base + "  (API: " + base + "v1)")
    print(" Model:   " + str(data.get("model", "?")))
    if data.get("warning"):
        print(" WARNING: " + str(data["warning"]))
print(" API key: " + key)
print(" Ctrl-C stops the server.")
print(bar, flush=True)
