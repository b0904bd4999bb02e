#!/usr/bin/env python3
"""Scale run on PostgreSQL: 1,000,000 tokens stored, one and two instances.

Builds release; creates a fresh database on the server LATCHKEY_BENCH_POSTGRES_URL names
(default: the local one); seeds an admin, a project and a few tokens through the product
(examples/seed_tokens.rs), then TOKENS more rows with one bulk INSERT … SELECT
generate_series (not the API); and measures:

  - an instance's time to ready and its resident memory with every digest loaded;
  - the API Tokens list page: first page, a deep page, a search (median and p95 of REQUESTS);
  - verify: a miss (the first check of a token) and a hit (wrk on one token);
  - the database work caused by BUSY tokens verified in a loop on one instance, as
    transactions per second in pg_stat_database, with push invalidation (answers cached
    5 minutes) against the 1-second lifetime of polling;
  - verify throughput of two instances behind nginx against one.

  python3 bench/scale_postgres.py                  # 1,000,000 tokens
  TOKENS=100000 python3 bench/scale_postgres.py    # a quicker run

Prints a Markdown section for docs/performance.md.
"""

import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_URL = os.environ.get("LATCHKEY_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
TOKENS = int(os.environ.get("TOKENS", "1000000"))
BUSY = int(os.environ.get("BUSY", "1000"))
REQUESTS = int(os.environ.get("REQUESTS", "30"))
DURATION = os.environ.get("DURATION", "10s")
KEY = "a scale benchmark key shared by every instance"
EMAIL = "bench@example.com"
PASSWORD = "bench tangerine orbit velvet"


def run(*args, **kw):
    return subprocess.run(args, check=True, text=True, capture_output=True, **kw).stdout


def psql(url, sql):
    return run("psql", url, "-Atqc", sql).strip()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


STARTED = []


class Instance:
    def __init__(self, work, name, url, env=()):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(work, f"{name}.log"), "w")
        environment = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        environment.update(
            LATCHKEY_DATABASE_URL=url,
            LATCHKEY_SECRET_KEY=KEY,
            LATCHKEY_BIND=f"127.0.0.1:{self.port}",
            LATCHKEY_COOKIE_SECURE="false",
            LATCHKEY_LOG="warn",
            LATCHKEY_DATA_DIR=os.path.join(work, f"data-{name}"),
        )
        environment.update(dict(env))
        started = time.monotonic()
        self.process = subprocess.Popen(
            [os.path.join(REPO, "target/release/latchkey"), "serve"],
            env=environment, stdout=subprocess.DEVNULL, stderr=self.log,
        )
        STARTED.append(self.process)
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if self.process.poll() is not None:
                sys.exit(f"instance {name} exited; see {self.log.name}")
            time.sleep(0.05)
        self.ready_seconds = time.monotonic() - started

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def post_json(url, body, bearer=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if bearer:
        request.add_header("Authorization", f"Bearer {bearer}")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def timed(fn, n):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def wrk(url, script, env=()):
    environment = dict(os.environ, WRK_DIR=os.path.join(REPO, "bench/wrk"), **dict(env))
    out = run("wrk", "-t2", "-c32", f"-d{DURATION}", "--latency", "-s", script, url, env=environment)
    if "Non-2xx" in out:
        sys.exit(f"wrk saw failed requests:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return rate, float(p99.group(1)) * scale, out


def commits(url):
    return int(psql(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"))


def main():
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    run("cargo", "build", "--release", "--quiet", "--bin", "latchkey", "--example", "seed_tokens", cwd=REPO)
    name = f"lk_scale_{int(time.time())}"
    psql(BASE_URL, f'CREATE DATABASE "{name}"')
    url = BASE_URL.rsplit("/", 1)[0] + "/" + name
    work = tempfile.mkdtemp()
    try:
        seed_env = dict(os.environ, LATCHKEY_DATABASE_URL=url, LATCHKEY_SECRET_KEY=KEY)
        run(os.path.join(REPO, "target/release/examples/seed_tokens"), os.path.join(work, "seed"),
            "10", EMAIL, PASSWORD, env=seed_env)
        started = time.monotonic()
        # Rows as the product writes them, with digests no secret matches: a stored token
        # costs the same to load, list and search whatever its secret.
        psql(url, f"""
            INSERT INTO api_tokens (id, project_id, name, live_name_key, name_sort, description,
                kind, token_type, owner_id, duration, lifetime_seconds, expires_at, secret_hash,
                hash_key_id, display_hint, created_by_user_id, created_by_token_id, created_at,
                updated_at, last_used_at, revoked_at, recent_clients)
            SELECT gen_random_uuid(), t.project_id, 'bulk token ' || lpad(i::text, 7, '0'),
                'bulk token ' || lpad(i::text, 7, '0'), 'bulk token ' || lpad(i::text, 7, '0'),
                '', 'service', 'read-only', NULL, 'unlimited', NULL, NULL,
                md5(i::text) || md5('x' || i::text), t.hash_key_id, 'lk_bulk…' || lpad((i % 10000)::text, 4, '0'),
                NULL, NULL, now() - (i || ' seconds')::interval, now(), NULL, NULL, NULL
            FROM generate_series(1, {TOKENS}) AS i,
                 (SELECT project_id, hash_key_id FROM api_tokens LIMIT 1) AS t""")
        # As autovacuum leaves a table in service: statistics and the visibility map current.
        psql(url, "VACUUM ANALYZE api_tokens")
        seeded = time.monotonic() - started
        stored = int(psql(url, "SELECT count(*) FROM api_tokens"))

        # One instance with the push on (the default).
        a = Instance(work, "a", url)
        ready, rss_ready = a.ready_seconds, rss_mb(a.process.pid)

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login = browser.open(f"{a.base}/login").read().decode()
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', login).group(1)
        browser.open(f"{a.base}/login", urllib.parse.urlencode(
            {"csrf_token": csrf, "email": EMAIL, "password": PASSWORD}).encode()).read()
        listing = f"{a.base}/projects/bench/settings/api-tokens"
        pages = stored // 50
        middle = pages // 2

        def next_link(html):
            found = re.search(r'href="([^"]+)" rel="next"', html)
            if found is None:
                sys.exit("the token list has no link to its next page")
            return a.base + found.group(1).replace("&#38;", "&").replace("&amp;", "&")

        # A deep page the way the dashboard reaches it: by the link to the next page, which
        # starts beside the previous page's last row. The page number typed into the address
        # instead skips every row before it (OFFSET); it is measured too, without a target.
        middle_html = browser.open(f"{listing}?page={middle - 1}").read().decode()
        deep_by_link = next_link(middle_html)
        page_rows = []
        for label, target, goal in [
            ("first page", listing, "< 50 ms"),
            (f"page {middle:,} of {pages:,}, by its link from page {middle - 1:,}", deep_by_link, "< 50 ms"),
            (f"page {middle:,} typed into the address (skips {(middle - 1) * 50:,} rows)", f"{listing}?page={middle}", ""),
            ("search \"token 0999\"", f"{listing}?q=token+0999", "< 50 ms"),
            ("search \"token\" (matches every token)", f"{listing}?q=token", ""),
        ]:
            try:
                html = browser.open(target).read().decode()
            except urllib.error.HTTPError as error:
                sys.exit(f"the token list ({label}) answered {error.code}")
            assert "token-name" in html, label
            median, p95 = timed(lambda: browser.open(target).read(), REQUESTS)
            page_rows.append((label, median, p95, goal))

        # A project token for the API, then BUSY tokens to verify.
        api = f"{a.base}/api/v1"
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"',
                         browser.open(f"{listing}/new").read().decode()).group(1)
        revealed = browser.open(listing, urllib.parse.urlencode({
            "csrf_token": csrf, "name": "scale admin", "token_type": "full-access",
            "kind": "service", "duration": "unlimited"}).encode()).read().decode()
        admin = re.search(r"(lk_[0-9A-Za-z]{49})", revealed)
        if admin is None:
            sys.exit("the new token's secret was not revealed")
        admin = admin.group(1)
        secrets = [post_json(f"{api}/tokens", {"name": f"busy {i}"}, admin)["token"] for i in range(BUSY)]
        misses = []
        for secret in secrets[:200]:
            started = time.perf_counter()
            post_json(f"{api}/verify", {"token": secret})
            misses.append((time.perf_counter() - started) * 1000)
        misses.sort()
        miss = (statistics.median(misses), misses[int(len(misses) * 0.95) - 1])

        with open(os.path.join(work, "busy.txt"), "w") as f:
            f.write("\n".join(secrets))
        busy_script = os.path.join(work, "busy.lua")
        with open(busy_script, "w") as f:
            f.write(f"""
local secrets = {{}}
for line in io.lines("{os.path.join(work, 'busy.txt')}") do secrets[#secrets + 1] = line end
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/verify", nil, '{{"token":"' .. secrets[n % #secrets + 1] .. '"}}')
end
""")
        one_script = os.path.join(work, "one.lua")
        with open(one_script, "w") as f:
            f.write(f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{{"token":"{secrets[0]}"}}'
""")
        hit_rate, hit_p99, _ = wrk(f"{a.base}/api/v1/verify", one_script)

        def busy_load(instance):
            wrk(instance.base, busy_script)  # warm: every answer cached once
            before, started = commits(url), time.monotonic()
            rate, p99, _ = wrk(instance.base, busy_script)
            per_second = (commits(url) - before) / (time.monotonic() - started)
            return rate, p99, per_second

        pushed = busy_load(a)
        rss_loaded = rss_mb(a.process.pid)
        a.stop()
        polled_instance = Instance(work, "polled", url, {"LATCHKEY_VERIFY_CACHE_PUSHED_SECONDS": "1"})
        polled = busy_load(polled_instance)
        polled_instance.stop()

        # Two instances behind nginx against one, on the same two cores.
        a, b = Instance(work, "a2", url), Instance(work, "b2", url)
        nginx_port = free_port()
        nginx_root = os.path.join(work, "nginx")
        os.makedirs(os.path.join(nginx_root, "temp"))
        with open(os.path.join(nginx_root, "nginx.conf"), "w") as f:
            f.write(f"""worker_processes 1; pid {nginx_root}/nginx.pid; error_log {nginx_root}/error.log;
events {{ worker_connections 512; }}
http {{ access_log off; client_body_temp_path {nginx_root}/temp/b; proxy_temp_path {nginx_root}/temp/p;
  fastcgi_temp_path {nginx_root}/temp/f; uwsgi_temp_path {nginx_root}/temp/u; scgi_temp_path {nginx_root}/temp/s;
  upstream latchkey {{ server 127.0.0.1:{a.port}; server 127.0.0.1:{b.port}; keepalive 32; }}
  server {{ listen 127.0.0.1:{nginx_port};
    location / {{ proxy_pass http://latchkey; proxy_http_version 1.1; proxy_set_header Connection ""; }} }} }}
""")
        nginx = subprocess.Popen(["nginx", "-p", nginx_root, "-c", os.path.join(nginx_root, "nginx.conf"),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        one_direct = wrk(a.base, busy_script)[:2]
        two_behind_nginx = wrk(f"http://127.0.0.1:{nginx_port}", busy_script)[:2]
        nginx.terminate()
        a.stop()
        b.stop()

        cores = os.cpu_count()
        print(f"""
## Scale: {stored:,} tokens on PostgreSQL

`python3 bench/scale_postgres.py` — release build, PostgreSQL 15 on this machine ({cores} cores, shared
with the instances, wrk and nginx), {stored:,} tokens stored ({TOKENS:,} bulk-inserted and vacuumed
in {seeded:.0f} s, the rest through the product). Run of {time.strftime('%Y-%m-%d', time.gmtime())}.

| measure | figure | target |
|---|---|---|
| instance ready (migrations checked, every digest loaded, listening) | {ready:.2f} s | < 10 s |
| resident memory when ready | {rss_ready:.0f} MB | < 300 MB |
| resident memory after the load below | {rss_loaded:.0f} MB | < 300 MB |""")
        for label, median, p95, goal in page_rows:
            print(f"| token list, {label} (median / p95 of {REQUESTS}) | {median:.1f} / {p95:.1f} ms | {goal} |")
        print(f"""| verify, a miss (first check of a token; median / p95 of 200) | {miss[0]:.2f} / {miss[1]:.2f} ms | |
| verify, a hit (wrk -t2 -c32, one token) | {hit_rate:,.0f} req/s, p99 {hit_p99:.2f} ms | unchanged |

Database work while {BUSY:,} busy tokens are verified in a loop on one instance (wrk, {DURATION},
after a warm-up pass), counted as committed transactions per second in `pg_stat_database`
(heartbeat, digest sync and last-used flushes included):

| cache | verify req/s | p99 | database transactions/s |
|---|---|---|---|
| pushed (answers kept 5 minutes, the change feed connected) | {pushed[0]:,.0f} | {pushed[1]:.2f} ms | {pushed[2]:,.1f} |
| polling (answers kept 1 second, as before the feed) | {polled[0]:,.0f} | {polled[1]:.2f} ms | {polled[2]:,.1f} |

Push invalidation cuts the database work of {BUSY:,} busy tokens {polled[2] / max(pushed[2], 0.1):,.0f}× (target: ≥ 50×).

Two instances behind nginx against one instance, the same {BUSY:,} tokens: one direct
{one_direct[0]:,.0f} req/s (p99 {one_direct[1]:.2f} ms); two behind nginx {two_behind_nginx[0]:,.0f} req/s
(p99 {two_behind_nginx[1]:.2f} ms). On {cores} cores the instances, nginx, wrk and PostgreSQL share
the same CPUs, so a second instance cannot add capacity here: the figure shows what the extra hop
costs, not what a second machine would add.
""")
    finally:
        for process in STARTED:
            if process.poll() is None:
                process.kill()
        if os.environ.get("KEEP"):
            print(f"kept the database {url}", file=sys.stderr)
        else:
            psql(BASE_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
