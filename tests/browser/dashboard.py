#!/usr/bin/env python3
"""Browser suite: the dashboard in headless Chromium, with and without its script.

Starts a fresh Latchkey (default settings, so the session cookie is Secure, as a real
browser on 127.0.0.1 accepts), signs in, and checks what only a browser can: the create form
and its matrix, the reveal, dialogs and row menus, relative times, the hint and its search,
widths at 1366 and 390 pixels, both themes, the plan's limits, the pages without JavaScript,
and axe-core on every page in both themes. With --screenshots it also saves every page in
light and dark, desktop and phone.

    python3 tests/browser/dashboard.py [--binary target/debug/latchkey] [--screenshots docs/screenshots]
"""

import argparse
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness import (DESKTOP, PASSWORD, PHONE, Latchkey, Suite, axe_findings, browser, create_token,
                     describe, open_row_menu, page_width, resize, sign_in, submit_and_wait_for,
                     use_theme)

TOKENS = "/projects/acme/settings/api-tokens"
UNBROKEN = "x" * 500


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
    server.cli("create-project", "--name", "Initech", "--slug", "initech", "--plan", "professional",
               "--owner", "ada@example.com")
    server.start()
    base = server.base
    suite = Suite(args.screenshots)
    driver = browser()
    state = {}
    try:
        def secure_cookie_session_works():
            sign_in(driver, base, "ada@example.com")
            cookie = driver.get_cookie("__Host-latchkey_session")
            assert cookie and cookie["secure"] and cookie["httpOnly"], cookie
            assert "Acme Publishing" in driver.page_source

        def empty_state_and_content_types():
            driver.get(f"{base}{TOKENS}")
            assert "No API tokens yet" in driver.page_source
            for uid, display in [("article", "Article"), ("category", "Category"), ("author", "Author")]:
                driver.get(f"{base}/projects/acme/settings/content-types")
                driver.find_element(By.ID, "uid").send_keys(uid)
                driver.find_element(By.ID, "display_name").send_keys(display)
                submit_and_wait_for(driver, driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]"))
            assert "author" in driver.page_source

        def the_create_form_explains_its_choices():
            driver.get(f"{base}{TOKENS}/new")
            assert driver.switch_to.active_element.get_attribute("id") == "name", "Name has the focus"
            date = driver.find_element(By.ID, "expires_on")
            preview = driver.find_element(By.CSS_SELECTOR, "[data-expiry-preview]")
            assert not date.is_enabled() and not date.is_displayed(), "the date is off while 30 days is chosen"
            assert preview.text.startswith("Expires on "), preview.text
            driver.find_element(By.CSS_SELECTOR, "input[name=duration][value='custom']").click()
            assert date.is_enabled() and date.is_displayed(), "a custom date enables the field"
            driver.find_element(By.CSS_SELECTOR, "input[name=duration][value='unlimited']").click()
            assert not date.is_enabled() and preview.text.startswith("Never expires"), preview.text
            button = driver.find_element(By.CSS_SELECTOR, ".token-form button[type=submit]")
            assert button.text == "Generate token", button.text

        def a_refused_submit_focuses_the_first_error():
            driver.get(f"{base}{TOKENS}/new")
            driver.find_element(By.CSS_SELECTOR, ".token-form button[type=submit]").click()
            WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-error-summary]")))
            focused = driver.switch_to.active_element
            assert focused.get_attribute("id") == "name", focused.get_attribute("outerHTML")
            assert "Name is required." in driver.find_element(By.CSS_SELECTOR, "[data-error-summary]").text

        def the_matrix_selects_by_row_and_in_full_and_counts():
            driver.get(f"{base}{TOKENS}/new")
            matrix = driver.find_element(By.ID, "permission-matrix")
            assert not matrix.is_displayed(), "the matrix is hidden for read-only"
            driver.find_element(By.ID, "name").send_keys("Content sync")
            driver.find_element(By.ID, "description").send_keys("Publishes articles from the CMS")
            driver.find_element(By.ID, "type-custom").click()
            assert matrix.is_displayed(), "the matrix shows for custom"
            count = matrix.find_element(By.CSS_SELECTOR, "[data-matrix-count]")
            total = len(matrix.find_elements(By.CSS_SELECTOR, "input[name=permissions]"))
            assert count.text == f"0 of {total} selected", count.text
            rows = matrix.find_elements(By.CSS_SELECTOR, "[data-matrix-row]")
            article = next(r for r in rows if "article" in r.text)
            article.find_element(By.CSS_SELECTOR, "[data-select-all]").click()
            boxes = article.find_elements(By.CSS_SELECTOR, "input[name=permissions]")
            assert len(boxes) == 5 and all(b.is_selected() for b in boxes)
            assert count.text == f"5 of {total} selected", count.text
            everything = matrix.find_element(By.CSS_SELECTOR, "[data-select-everything]")
            assert driver.execute_script("return arguments[0].indeterminate", everything)
            everything.click()
            assert count.text == f"{total} of {total} selected", count.text
            everything.click()
            category = next(r for r in rows if "category" in r.text)
            category.find_element(By.CSS_SELECTOR, "input[value='category.find']").click()
            partial = category.find_element(By.CSS_SELECTOR, "[data-select-all]")
            assert driver.execute_script("return arguments[0].indeterminate", partial)
            # The columns line up: every row's find box sits at the same x.
            xs = {r.find_element(By.CSS_SELECTOR, "input[value$='.find']").location["x"] for r in rows}
            assert len(xs) == 1, xs
            article.find_element(By.CSS_SELECTOR, "[data-select-all]").click()
            driver.find_element(By.CSS_SELECTOR, "input[name=duration][value='90']").click()

        def reveal_shows_once_with_a_working_copy_button():
            driver.find_element(By.CSS_SELECTOR, ".token-form button[type=submit]").click()
            WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "reveal-secret")))
            secret = driver.find_element(By.ID, "reveal-secret").text
            assert secret.startswith("lk_") and len(secret) == 52, secret
            assert secret not in driver.current_url
            state["secret"], state["token_page"] = secret, driver.current_url
            copy = driver.find_element(By.CSS_SELECTOR, "[data-copy]")
            assert copy.is_displayed()
            copy.click()
            WebDriverWait(driver, 5).until(lambda d: copy.text in ("Copied", "Copy"))
            assert "will not be shown again" in driver.page_source
            driver.refresh()
            assert secret not in driver.page_source
            assert "Copy your new API token now" not in driver.page_source

        def a_populated_list_with_hints_and_relative_times():
            for name, token_type, duration, description in [
                ("CI pipeline", "full-access", "unlimited", "Deploys from GitHub Actions"),
                ("Analytics export", "read-only", "7", "Nightly warehouse sync"),
                ("Mobile app", "read-only", "180", ""),
                ("Partner feed", "read-only", "30", UNBROKEN),
            ]:
                create_token(driver, base, name, token_type, duration, description)
            driver.get(f"{base}{TOKENS}")
            assert "5 of 25 tokens used" in driver.page_source
            assert driver.page_source.count('class="token-name"') == 5
            times = driver.find_elements(By.CSS_SELECTOR, "table.tokens time[data-relative]")
            assert times, "relative times are shown"
            for time_element in times:
                stamp = time_element.get_attribute("datetime")
                assert driver.execute_script("return !isNaN(Date.parse(arguments[0]))", stamp), stamp
                assert time_element.get_attribute("title").endswith("UTC")
                text = time_element.text
                assert text == "just now" or text.endswith(" ago") or text.startswith("in "), text
            hint = "lk_…" + state["secret"][-4:]
            assert hint in driver.page_source, "the hint is in the list"
            search = driver.find_element(By.ID, "q")
            search.send_keys(state["secret"][-4:])
            search.submit()
            WebDriverWait(driver, 10).until(EC.url_contains("q="))
            assert "Content sync" in driver.page_source and "Mobile app" not in driver.page_source
            driver.get(f"{base}{TOKENS}")
            search = driver.find_element(By.ID, "q")
            search.send_keys(state["secret"])
            search.submit()
            WebDriverWait(driver, 10).until(EC.url_contains("q="))
            assert state["secret"] not in driver.current_url, "a pasted secret is sent as its hint"
            assert "Content sync" in driver.page_source

        def nothing_scrolls_sideways_at_1366_or_390():
            for size in (DESKTOP, PHONE):
                resize(driver, size)
                for path in (TOKENS, f"{TOKENS}/new", "/projects/acme/settings/audit-log"):
                    driver.get(f"{base}{path}")
                    width = page_width(driver)
                    assert width <= size[0], f"{path} at {size[0]}px is {width}px wide"
            resize(driver, DESKTOP)

        def dialogs_confirm_regenerate_and_delete_from_the_row_menu():
            driver.get(f"{base}{TOKENS}")
            open_row_menu(driver, "Partner feed").find_element(By.LINK_TEXT, "Delete").click()
            dialog = driver.find_element(By.ID, "confirm-dialog")
            WebDriverWait(driver, 5).until(lambda d: dialog.get_attribute("open") is not None)
            assert "Delete “Partner feed”?" in dialog.text and "cannot be undone" in dialog.text
            dialog.find_element(By.CSS_SELECTOR, "[data-close-dialog]").click()
            assert dialog.get_attribute("open") is None
            open_row_menu(driver, "Partner feed").find_element(By.LINK_TEXT, "Delete").click()
            submit_and_wait_for(driver, dialog.find_element(By.CSS_SELECTOR, "button[type=submit]"))
            assert "Deleted “Partner feed”" in driver.page_source
            open_row_menu(driver, "Mobile app").find_element(By.LINK_TEXT, "Regenerate").click()
            dialog = driver.find_element(By.ID, "confirm-dialog")
            assert "stops working immediately" in dialog.text
            dialog.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            WebDriverWait(driver, 10).until(EC.presence_of_element_located((By.ID, "reveal-secret")))

        def confirmation_pages_work_without_the_dialog():
            driver.get(f"{base}{TOKENS}")
            link = driver.find_elements(By.CSS_SELECTOR, ".row-menu-items a[href$='/regenerate']")[0]
            driver.get(link.get_attribute("href"))
            assert "The current secret stops working immediately" in driver.page_source

        def the_phone_layout_is_compact_and_sortable():
            resize(driver, PHONE)
            driver.get(f"{base}{TOKENS}")
            topbar = driver.find_element(By.CSS_SELECTOR, ".topbar").size["height"]
            assert topbar <= 64, f"the top bar is {topbar}px tall"
            cards = [r.size["height"] for r in driver.find_elements(By.CSS_SELECTOR, "table.tokens tbody tr")]
            assert max(cards) <= 200, f"token cards are {cards}px tall"
            sort = driver.find_element(By.ID, "by")
            assert sort.is_displayed(), "the sort menu shows on a phone"
            sort.find_element(By.CSS_SELECTOR, "option[value='name.asc']").click()
            WebDriverWait(driver, 10).until(EC.url_contains("by=name.asc"))
            names = [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".token-name")]
            assert names == sorted(names, key=str.lower), names
            resize(driver, DESKTOP)

        def dark_mode_follows_the_system_and_the_account_setting():
            background = lambda: driver.execute_script(
                "return getComputedStyle(document.body).backgroundColor")
            driver.get(f"{base}{TOKENS}")
            use_theme(driver, "light")
            light = background()
            use_theme(driver, "dark")
            dark = background()
            assert light != dark, (light, dark)
            assert sum(int(c) for c in dark[4:-1].split(",")[:3]) < 150, dark
            driver.get(f"{base}/account")
            use_theme(driver, "light")
            driver.find_element(By.CSS_SELECTOR, "input[name=theme][value='dark']").click()
            submit_and_wait_for(driver, driver.find_element(By.CSS_SELECTOR, "#theme-heading ~ form button[type=submit]"))
            assert background() == dark, "the account's choice wins over the system"
            driver.find_element(By.CSS_SELECTOR, "input[name=theme][value='system']").click()
            submit_and_wait_for(driver, driver.find_element(By.CSS_SELECTOR, "#theme-heading ~ form button[type=submit]"))
            assert background() == light

        def at_the_cap_the_form_is_not_offered():
            driver.get(f"{base}/admin")
            row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "tbody tr") if "initech" in r.text)
            cap = row.find_element(By.CSS_SELECTOR, "input[name=token_cap]")
            cap.clear()
            cap.send_keys("1")
            submit_and_wait_for(driver, row.find_element(By.CSS_SELECTOR, "button[type=submit]"))
            create_token(driver, base, "Only one", project="initech")
            driver.get(f"{base}/projects/initech/settings/api-tokens/new")
            assert "used every token its plan allows" in driver.page_source
            assert not driver.find_elements(By.ID, "name"), "no form at the cap"

        def a_free_project_shows_the_plan_gate_with_a_way_forward():
            driver.get(f"{base}/projects/globex/settings/api-tokens")
            assert "needs a Professional plan" in driver.page_source
            assert "you can still delete them" not in driver.page_source
            assert driver.find_element(By.ID, "upgrade-plan").is_displayed(), "a super admin can change the plan here"

        def without_javascript_nothing_dead_is_shown():
            plain = browser(javascript=False)
            try:
                sign_in(plain, base, "ada@example.com")
                create_token(plain, base, "No script")
                assert plain.find_element(By.ID, "reveal-secret").is_displayed()
                assert not plain.find_element(By.CSS_SELECTOR, "[data-copy]").is_displayed(), "no dead Copy button"
                assert plain.find_element(By.CSS_SELECTOR, ".no-script-hint").is_displayed()
                plain.get(f"{base}{TOKENS}/new")
                assert plain.find_element(By.ID, "permission-matrix").is_displayed(), "the matrix is always shown"
                for label in plain.find_elements(By.CSS_SELECTOR, ".select-all, .select-everything"):
                    assert not label.is_displayed(), "no dead select-all"
                assert plain.find_element(By.ID, "expires_on").is_displayed(), "the date can be chosen"
                plain.get(f"{base}{TOKENS}")
                driver.get(f"{base}{TOKENS}")
                served = [t.text for t in plain.find_elements(By.CSS_SELECTOR, "time[data-relative]")]
                scripted = [t.text for t in driver.find_elements(By.CSS_SELECTOR, "time[data-relative]")]
                assert served and served == scripted, f"the script words times as the server does: {served} {scripted}"
                row = open_row_menu(plain, "No script")
                assert row.find_element(By.LINK_TEXT, "Delete").is_displayed(), "the row menu opens without script"
            finally:
                plain.quit()

        for name, check in [
            ("a Secure session cookie works over http://127.0.0.1", secure_cookie_session_works),
            ("empty state, then content types added", empty_state_and_content_types),
            ("the create form explains its choices; the date only for a custom date", the_create_form_explains_its_choices),
            ("a refused submit focuses the first error", a_refused_submit_focuses_the_first_error),
            ("the matrix selects by row and in full, counts, and lines up", the_matrix_selects_by_row_and_in_full_and_counts),
            ("the reveal shows once, with a copy button", reveal_shows_once_with_a_working_copy_button),
            ("a populated list with hints, search by hint and relative times", a_populated_list_with_hints_and_relative_times),
            ("nothing scrolls sideways at 1366 or 390 px, even with a 500-character word", nothing_scrolls_sideways_at_1366_or_390),
            ("dialogs confirm regenerate and delete from the row menu", dialogs_confirm_regenerate_and_delete_from_the_row_menu),
            ("confirmation pages work without the dialog", confirmation_pages_work_without_the_dialog),
            ("the phone layout is compact and sortable", the_phone_layout_is_compact_and_sortable),
            ("dark mode follows the system and the account setting", dark_mode_follows_the_system_and_the_account_setting),
            ("at the cap the form is not offered", at_the_cap_the_form_is_not_offered),
            ("a free project shows the plan gate with a way forward", a_free_project_shows_the_plan_gate_with_a_way_forward),
            ("without JavaScript nothing dead is shown", without_javascript_nothing_dead_is_shown),
        ]:
            suite.check(name, check)

        pages = [
            ("projects", "/"),
            ("token-list", TOKENS),
            ("token-create", f"{TOKENS}/new"),
            ("token-page", state.get("token_page", TOKENS).replace(base, "")),
            ("token-regenerate", state.get("token_page", TOKENS).replace(base, "") + "/regenerate"),
            ("content-types", "/projects/acme/settings/content-types"),
            ("members", "/projects/acme/settings/members"),
            ("audit-log", "/projects/acme/settings/audit-log"),
            ("plan-gate", "/projects/globex/settings/api-tokens"),
            ("account", "/account"),
            ("administration", "/admin"),
            ("not-found", "/no/such/page"),
        ]
        suite.check("axe-core finds nothing serious on any page, light or dark",
                    lambda: every_page_passes_axe(driver, base, pages, suite))
    finally:
        driver.quit()
        server.stop()
    print(f"{suite.passed} passed, {suite.failed} failed")
    return 1 if suite.failed else 0


def every_page_passes_axe(driver, base, pages, suite):
    """axe-core on each page in both themes (and the sign-in page, signed out); with
    --screenshots, each page at desktop and phone width too."""
    failures = []
    anonymous = browser()
    try:
        targets = [(anonymous, "sign-in", "/login")] + [(driver, name, path) for name, path in pages]
        for scheme in ("light", "dark"):
            for target, name, path in targets:
                use_theme(target, scheme)
                for size, device in ((DESKTOP, "desktop"), (PHONE, "phone")):
                    resize(target, size)
                    target.get(f"{base}{path}")
                    if name == "token-create":
                        target.find_element(By.ID, "type-custom").click()
                    if device == "desktop":
                        findings = axe_findings(target)
                        if findings:
                            failures.append(f"{name} ({scheme}): {describe(findings)}")
                    suite.shot(target, f"{name}-{scheme}-{device}")
                resize(target, DESKTOP)
    finally:
        anonymous.quit()
    assert not failures, "\n".join(failures)


if __name__ == "__main__":
    start = time.time()
    code = main()
    print(f"browser suite: {time.time() - start:.0f} s")
    sys.exit(code)
