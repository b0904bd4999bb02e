"""What the browser suite runs on: a fresh Latchkey process, headless Chromium (with or
without JavaScript), colour-scheme emulation, axe-core, screenshots, and a check runner."""

import json
import os
import socket
import subprocess
import tempfile
import time
import traceback
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PASSWORD = "correct horse battery staple"
HERE = os.path.dirname(os.path.abspath(__file__))
AXE = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")
DESKTOP = (1366, 900)
PHONE = (390, 844)


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


def browser(size=DESKTOP, javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}",
                 f"--user-data-dir={tempfile.mkdtemp()}"]:
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    return driver


def use_theme(driver, scheme):
    """Tells the page the system prefers `scheme` ("light" or "dark")."""
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def resize(driver, size):
    """The viewport (not the window) at `size`, so widths are what a device shows."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600})


def page_width(driver):
    return driver.execute_script("return document.documentElement.scrollWidth")


def axe_findings(driver):
    """Serious and critical axe-core violations on the current page (WCAG 2.1 A and AA)."""
    with open(AXE) as source:
        driver.execute_script(source.read())
    result = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
           .then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));
    """)
    return [v for v in json.loads(result) if v.get("impact") in ("serious", "critical")]


def describe(findings):
    return "; ".join(f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
                     for v in findings)


def sign_in(driver, base, email):
    driver.get(f"{base}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    WebDriverWait(driver, 10).until(EC.url_to_be(f"{base}/"))


def create_token(driver, base, name, token_type="read-only", duration="30", description="", project="acme"):
    driver.get(f"{base}/projects/{project}/settings/api-tokens/new")
    driver.find_element(By.ID, "name").send_keys(name)
    if description:
        driver.execute_script("arguments[0].value = arguments[1]", driver.find_element(By.ID, "description"), description)
    driver.find_element(By.ID, f"type-{token_type}").click()
    driver.find_element(By.CSS_SELECTOR, f"input[name=duration][value='{duration}']").click()
    submit_and_wait_for(driver, driver.find_element(By.CSS_SELECTOR, ".token-form button[type=submit]"),
                        (By.CSS_SELECTOR, ".page-head h1"))


SUCCESS_FLASH = (By.CSS_SELECTOR, ".flash.success")


def submit_and_wait_for(driver, button, locator=SUCCESS_FLASH):
    """Clicks `button` and waits for the page it leads to, holding `locator`. Waiting for the
    element alone would pass at once when the page being left already holds one."""
    leaving = driver.find_element(By.TAG_NAME, "html")
    button.click()
    # Asked mid-navigation, chromedriver may answer about the old node with a generic error
    # ("does not belong to the document") instead of a stale reference: ask again.
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(EC.staleness_of(leaving))
    WebDriverWait(driver, 10).until(EC.presence_of_element_located(locator))


def open_row_menu(driver, name):
    """Opens the actions menu of the token row named `name` and returns the row."""
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr") if name in r.text)
    row.find_element(By.CSS_SELECTOR, ".row-menu summary").click()
    return row


class Suite:
    def __init__(self, screenshots):
        self.screenshots = screenshots
        self.passed = 0
        self.failed = 0

    def shot(self, driver, name):
        """A screenshot of the whole page (at the current viewport width) if asked for."""
        if not self.screenshots:
            return
        os.makedirs(self.screenshots, exist_ok=True)
        width = driver.execute_script("return window.innerWidth")
        height = driver.execute_script("return Math.max(document.documentElement.scrollHeight, 600)")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": min(height, 4000), "deviceScaleFactor": 1, "mobile": width < 600})
        driver.save_screenshot(os.path.join(self.screenshots, f"{name}.png"))

    def check(self, name, function):
        try:
            function()
            self.passed += 1
            print(f"ok   {name}", flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported, then the suite goes on
            self.failed += 1
            print(f"FAIL {name}", flush=True)
            traceback.print_exc()
