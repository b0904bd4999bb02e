#!/usr/bin/env python3
"""Verifies the first N secrets of a file once each, so they sit in the verification cache.

    python3 bench/warm.py BASE_URL SECRETS_FILE N
"""
import http.client
import json
import sys
import urllib.parse

base, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
url = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
with open(path) as secrets:
    for _, secret in zip(range(count), secrets):
        conn.request("POST", "/api/v1/verify", json.dumps({"token": secret.strip()}), {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"verify answered {response.status}")
