#!/usr/bin/env python3
"""Browser suite: the dashboard in headless Chromium, with its script running.

Starts a fresh Latchkey (default settings, so the session cookie is Secure, as a real
browser on 127.0.0.1 accepts), signs in, and checks what only a browser can: the permission
matrix appearing for custom tokens, select-all, the copy button, the native <dialog>
confirmations, the reveal disappearing on reload, and the phone layout.

    python3 tests/browser/dashboard.py [--binary target/debug/latchkey] [--screenshots docs/screenshots]
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery staple"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Latchkey:
    """A Latchkey process on a fresh SQLite database in a temporary folder."""

    def __init__(self, binary):
        self.binary = os.path.abspath(binary)
        self.dir = tempfile.TemporaryDirectory()
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LATCHKEY_")}
        self.env["LATCHKEY_BIND"] = f"127.0.0.1:{self.port}"
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def cli(self, *args, stdin=None):
        result = subprocess.run([self.binary, *args], cwd=self.dir.name, env=self.env,
                                input=stdin, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"latchkey {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def start(self):
        self.log = open(os.path.join(self.dir.name, "server.log"), "w")
        self.process = subprocess.Popen([self.binary, "serve"], cwd=self.dir.name, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("Latchkey did not become healthy")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.dir.cleanup()


def browser(width=1360, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={width},{height}",
                 f"--user-data-dir={tempfile.mkdtemp()}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


class Suite:
    def __init__(self, server, screenshots):
        self.server = server
        self.screenshots = screenshots
        self.passed = 0
        self.failed = 0

    def shot(self, driver, name, full_height=True):
        if not self.screenshots:
            return
        os.makedirs(self.screenshots, exist_ok=True)
        if full_height:
            height = driver.execute_script("return Math.max(document.body.scrollHeight, 600)")
            width = driver.execute_script("return window.innerWidth")
            driver.set_window_size(width, height + 120)
        driver.save_screenshot(os.path.join(self.screenshots, f"{name}.png"))

    def check(self, name, function):
        try:
            function()
            self.passed += 1
            print(f"ok   {name}")
        except Exception:  # noqa: BLE001 - every failure is reported, then the suite goes on
            self.failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()


def sign_in(driver, base, email):
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.url_to_be(f"{base}/"))


def create_token(driver, base, name, token_type="read-only", duration="30", description=""):
    driver.get(f"{base}/projects/acme/settings/api-tokens/new")
    driver.find_element(By.ID, "name").send_keys(name)
    if description:
        driver.find_element(By.ID, "description").send_keys(description)
    driver.find_element(By.ID, f"type-{token_type}").click()
    driver.find_element(By.CSS_SELECTOR, f"input[name=duration][value='{duration}']").click()
    driver.find_element(By.CSS_SELECTOR, ".token-form button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".page-head h1")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/debug/latchkey")
    parser.add_argument("--screenshots", default=None)
    args = parser.parse_args()

    server = Latchkey(args.binary)
    server.cli("create-admin", "--email", "ada@example.com", "--name", "Ada Lovelace", stdin=PASSWORD + "\n")
    server.cli("create-project", "--name", "Acme Publishing", "--slug", "acme", "--plan", "professional",
               "--owner", "ada@example.com")
    server.cli("create-project", "--name", "Globex", "--slug", "globex", "--plan", "free")
    server.start()
    base = server.base
    suite = Suite(server, args.screenshots)
    driver = browser()
    try:
        def secure_cookie_session_works():
            sign_in(driver, base, "ada@example.com")
            cookie = driver.get_cookie("__Host-latchkey_session")
            assert cookie and cookie["secure"] and cookie["httpOnly"], cookie
            assert "Acme Publishing" in driver.page_source

        def empty_state_and_content_types():
            driver.get(f"{base}/projects/acme/settings/api-tokens")
            assert "No API tokens yet" in driver.page_source
            suite.shot(driver, "empty-state")
            for uid, display in [("article", "Article"), ("category", "Category"), ("author", "Author")]:
                driver.get(f"{base}/projects/acme/settings/content-types")
                driver.find_element(By.ID, "uid").send_keys(uid)
                driver.find_element(By.ID, "display_name").send_keys(display)
                driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
                WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash.success")))
            assert "author" in driver.page_source

        def matrix_appears_only_for_custom_and_select_all_works():
            driver.set_window_size(1360, 900)
            driver.get(f"{base}/projects/acme/settings/api-tokens/new")
            matrix = driver.find_element(By.ID, "permission-matrix")
            assert not matrix.is_displayed(), "the matrix is hidden for read-only"
            driver.find_element(By.ID, "name").send_keys("Content sync")
            driver.find_element(By.ID, "description").send_keys("Publishes articles from the CMS")
            driver.find_element(By.ID, "type-custom").click()
            assert matrix.is_displayed(), "the matrix shows for custom"
            rows = matrix.find_elements(By.CSS_SELECTOR, "[data-matrix-row]")
            article = next(r for r in rows if "article" in r.text)
            article.find_element(By.CSS_SELECTOR, "[data-select-all]").click()
            boxes = article.find_elements(By.CSS_SELECTOR, "input[name=permissions]")
            assert len(boxes) == 5 and all(b.is_selected() for b in boxes)
            category = next(r for r in rows if "category" in r.text)
            category.find_element(By.CSS_SELECTOR, "input[value='category.find']").click()
            partial = category.find_element(By.CSS_SELECTOR, "[data-select-all]")
            assert driver.execute_script("return arguments[0].indeterminate", partial)
            driver.find_element(By.CSS_SELECTOR, "input[name=duration][value='90']").click()
            suite.shot(driver, "create-custom-matrix")

        def reveal_shows_once_with_a_working_copy_button():
            driver.set_window_size(1360, 900)
            driver.find_element(By.CSS_SELECTOR, ".token-form button[type=submit]").click()
            WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "reveal-secret")))
            secret = driver.find_element(By.ID, "reveal-secret").text
            assert secret.startswith("lk_") and len(secret) == 52, secret
            assert secret not in driver.current_url
            copy = driver.find_element(By.CSS_SELECTOR, "[data-copy]")
            copy.click()
            WebDriverWait(driver, 5).until(lambda d: copy.text in ("Copied", "Copy"))
            assert "will not be shown again" in driver.page_source
            suite.shot(driver, "reveal-banner")
            driver.refresh()
            assert secret not in driver.page_source
            assert "Copy your new API token now" not in driver.page_source

        def a_populated_list():
            for name, token_type, duration, description in [
                ("CI pipeline", "full-access", "unlimited", "Deploys from GitHub Actions"),
                ("Analytics export", "read-only", "7", "Nightly warehouse sync"),
                ("Mobile app", "read-only", "180", ""),
                ("Partner feed", "read-only", "30", "Read access for Globex"),
            ]:
                create_token(driver, base, name, token_type, duration, description)
            driver.set_window_size(1360, 900)
            driver.get(f"{base}/projects/acme/settings/api-tokens")
            assert "5 of 25 tokens used" in driver.page_source
            assert driver.page_source.count('class="token-name"') == 5
            suite.shot(driver, "token-list")

        def dialogs_confirm_regenerate_and_delete():
            driver.set_window_size(1360, 900)
            driver.get(f"{base}/projects/acme/settings/api-tokens")
            row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr") if "Partner feed" in r.text)
            row.find_element(By.LINK_TEXT, "Delete").click()
            dialog = driver.find_element(By.ID, "confirm-dialog")
            WebDriverWait(driver, 5).until(lambda d: dialog.get_attribute("open") is not None)
            assert "Delete “Partner feed”?" in dialog.text and "cannot be undone" in dialog.text
            suite.shot(driver, "delete-dialog", full_height=False)
            dialog.find_element(By.CSS_SELECTOR, "[data-close-dialog]").click()
            assert dialog.get_attribute("open") is None
            row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr") if "Partner feed" in r.text)
            row.find_element(By.LINK_TEXT, "Delete").click()
            dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, ".flash.success")))
            assert "Deleted “Partner feed”" in driver.page_source
            row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr") if "Mobile app" in r.text)
            row.find_element(By.LINK_TEXT, "Regenerate").click()
            dialog = driver.find_element(By.ID, "confirm-dialog")
            assert "stops working immediately" in dialog.text
            dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "reveal-secret")))

        def confirmation_pages_work_without_the_dialog():
            driver.set_window_size(1360, 900)
            driver.get(f"{base}/projects/acme/settings/api-tokens")
            link = next(a for a in driver.find_elements(By.LINK_TEXT, "Regenerate"))
            driver.get(link.get_attribute("href"))
            assert "The current secret stops working immediately" in driver.page_source
            suite.shot(driver, "regenerate-confirmation", full_height=False)

        def phone_layout():
            driver.set_window_size(390, 844)
            driver.get(f"{base}/projects/acme/settings/api-tokens")
            width = driver.execute_script("return document.documentElement.scrollWidth")
            assert width <= 400, f"the page scrolls sideways on a phone: {width}px"
            suite.shot(driver, "token-list-phone")

        def free_project_shows_the_plan_gate():
            driver.set_window_size(1360, 900)
            # The super admin sees every project, including a free one.
            driver.get(f"{base}/projects/globex/settings/api-tokens")
            assert "needs a Professional plan" in driver.page_source
            assert "Create new API token" not in driver.page_source

        for name, check in [
            ("a Secure session cookie works over http://127.0.0.1", secure_cookie_session_works),
            ("empty state, then content types added", empty_state_and_content_types),
            ("the matrix appears only for custom; select-all works", matrix_appears_only_for_custom_and_select_all_works),
            ("the reveal shows once, with a copy button", reveal_shows_once_with_a_working_copy_button),
            ("a populated list with usage", a_populated_list),
            ("dialogs confirm regenerate and delete", dialogs_confirm_regenerate_and_delete),
            ("confirmation pages work without the dialog", confirmation_pages_work_without_the_dialog),
            ("the list fits a phone's width", phone_layout),
            ("a free project shows the plan gate", free_project_shows_the_plan_gate),
        ]:
            suite.check(name, check)
    finally:
        driver.quit()
        server.stop()
    print(f"{suite.passed} passed, {suite.failed} failed")
    return 1 if suite.failed else 0


if __name__ == "__main__":
    sys.exit(main())
