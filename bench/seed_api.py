#!/usr/bin/env python3
"""Seeds tokens through the public API, over one keep-alive connection.

    python3 bench/seed_api.py BASE_URL EMAIL PASSWORD PROJECT COUNT OUT_FILE [NAME_PREFIX]

Logs in (POST /api/v1/auth/login), then creates COUNT tokens (POST /api/v1/tokens): every
third read-only, full access or custom (api-token.find, api-token.findOne). Writes the secrets,
one per line, to OUT_FILE; the first line is a read-only token.
"""
import http.client
import json
import sys
import time
import urllib.parse


def main():
    base, email, password, project, count, out = sys.argv[1:7]
    prefix = sys.argv[7] if len(sys.argv) > 7 else "Bench token"
    count = int(count)
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def call(method, path, body, token=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, json.dumps(body), headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload)

    access = call("POST", "/api/v1/auth/login", {"email": email, "password": password, "project": project})["token"]
    started = time.time()
    with open(out, "w") as secrets:
        for i in range(count):
            if i and i % 5000 == 0:
                # Access tokens are short-lived; a long seeding run logs in again.
                access = call("POST", "/api/v1/auth/login", {"email": email, "password": password, "project": project})["token"]
            kind = i % 3
            body = {"name": f"{prefix} {i:06d}", "description": f"Integration {i}"}
            if kind == 0:
                body["type"] = "read-only"
            elif kind == 1:
                body.update(type="full-access", duration_days=90)
            else:
                body.update(type="custom", permissions=["api-token.find", "api-token.findOne"], duration_days=30)
            secrets.write(call("POST", "/api/v1/tokens", body, access)["token"] + "\n")
    print(f"seeded {count} tokens through the API in {time.time() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
