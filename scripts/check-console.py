#!/usr/bin/env python3
"""Drives the web console of a running server in headless Chromium, as a person would: register, create a key and
read it once, see it listed, chat and watch the streamed answer grow, stop a long answer, chat with the key, revoke
it and see it refused, log out, log in again and log out everywhere. Each state is checked with axe-core and screenshotted at desktop and phone width
into the screenshot folder; the page must log no console error and no Content-Security-Policy violation (the
API's own refusals, which the browser logs as failed loads, excepted).

The server must stream slowly enough to watch (MOCK_DELAY_MS of a few seconds; scripts/check-console.sh starts one).
Usage: scripts/check-console.py BASE_URL SCREENSHOT_FOLDER
"""
import pathlib
import sys
import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.ui import WebDriverWait

from browser import accessible, browser

WORDS = " ".join(f"word{index}" for index in range(40))


class Console:
    def __init__(self, base, folder):
        self.base, self.folder = base, pathlib.Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.driver = browser()
        self.wait = WebDriverWait(self.driver, 60)
        self.problems = []

    def element(self, id):
        return self.driver.find_element(By.ID, id)

    def status(self):
        return self.element("status").text

    def until_status(self, text):
        self.wait.until(lambda _: text in self.status(), f"the status to say '{text}' (it says '{self.status()}')")

    def fill(self, id, text):
        field = self.element(id)
        field.clear()
        field.send_keys(text)

    def look(self, name):
        """Screenshots at desktop and phone width, and the axe check, of the page as it is."""
        for width, height, size in ((1280, 900, "desktop"), (390, 844, "phone")):
            self.driver.set_window_size(width, height)
            self.driver.save_screenshot(str(self.folder / f"console-{name}-{size}.png"))
        self.driver.set_window_size(1280, 900)
        if not accessible(self.driver, name):
            self.problems.append(f"{name}: serious accessibility violations")

    def check(self, condition, problem):
        if not condition:
            self.problems.append(problem)
        print(f"  {'✔' if condition else '✘'} {problem if not condition else problem.split(':')[0]}")

    def chat(self, message, key=""):
        self.fill("chat-key", key)
        self.fill("message", message)
        self.element("send").click()

    def run(self):
        driver = self.driver
        driver.get(f"{self.base}/console")
        self.look("log-in")

        email = f"console-{uuid.uuid4().hex[:8]}@example.com"
        self.fill("email", email)
        self.fill("password", "console password")
        self.element("register").click()
        self.wait.until(shown.visibility_of_element_located((By.ID, "keys")))
        self.check(email in self.status(), f"registered and logged in: the status says '{self.status()}'")

        self.fill("key-name", "console key")
        self.element("create-key").click()
        self.wait.until(shown.visibility_of_element_located((By.ID, "new-key")))
        key = self.element("new-key-value").text
        self.check(key.startswith("sk-") and len(key) > 20, f"a new key is shown once: '{key[:6]}…'")
        self.wait.until(lambda _: "console key" in self.element("key-table").text)
        rows = self.element("key-table").text
        self.check("active" in rows and key not in rows, "the key is listed, by its start only: the whole key appears once")
        self.look("keys")

        # A streamed answer grows while it arrives.
        self.chat(WORDS)
        lengths = set()
        deadline = time.monotonic() + 60
        while "Answered." not in self.status() and time.monotonic() < deadline:
            lengths.add(len(self.element("answer").text))
            time.sleep(0.05)
        self.check("Answered." in self.status() and len(lengths - {0}) >= 3,
                   f"the answer streams in pieces: {len(lengths - {0})} lengths seen, status '{self.status()}'")
        self.check(self.element("answer").text.endswith("word39") and "Usage:" in self.element("usage").text,
                   f"the whole answer and its usage are shown: '{self.element('answer').text[-20:]}'")
        self.look("chat")

        # Stop cancels a long answer part-way.
        self.chat(WORDS)
        self.wait.until(lambda _: len(self.element("answer").text) > 0)
        self.element("stop").click()
        self.until_status("Stopped")
        stopped = self.element("answer").text
        time.sleep(1)
        self.check(not stopped.endswith("word39") and self.element("answer").text == stopped
                   and self.element("send").is_enabled() and not self.element("stop").is_enabled(),
                   f"Stop cancels the answer part-way: '{stopped[-20:]}'")

        # The key works for chat until it is revoked; then it is refused.
        self.chat("hello with the key", key)
        self.until_status("Answered.")
        driver.find_element(By.CSS_SELECTOR, "button[aria-label='Revoke console key']").click()
        self.until_status("revoked")
        self.wait.until(lambda _: "revoked" in self.element("key-table").text)
        self.chat("hello again", key)
        self.until_status("invalid or revoked")
        self.check(True, "a revoked key is refused, in words")
        self.look("revoked")

        self.element("logout").click()
        self.wait.until(shown.visibility_of_element_located((By.ID, "auth")))
        self.check(self.element("keys").is_displayed() is False, "logged out: back to the log-in form")
        self.look("logged-out")

        # Log in again, then out everywhere.
        self.fill("email", email)
        self.fill("password", "console password")
        self.element("login").click()
        self.wait.until(shown.visibility_of_element_located((By.ID, "keys")))
        self.check("Logged in as" in self.status(), f"logged in again: the status says '{self.status()}'")
        self.element("logout-all").click()
        self.wait.until(shown.visibility_of_element_located((By.ID, "auth")))
        self.check("every device" in self.status(), f"logged out everywhere: the status says '{self.status()}'")

        logged = driver.get_log("browser")
        refusals = [entry for entry in logged if "the server responded with a status of 4" in entry["message"]]
        errors = [entry for entry in logged if entry["level"] == "SEVERE" and entry not in refusals]
        csp = [entry for entry in logged if "Content Security Policy" in entry["message"]]
        self.check(not errors and not csp, f"no console error or CSP violation: {errors + csp}")
        return not self.problems


def main(arguments):
    if len(arguments) != 2:
        print(__doc__)
        return 2
    console = Console(arguments[0].rstrip("/"), arguments[1])
    try:
        passed = console.run()
    finally:
        console.driver.quit()
    if not passed:
        print("the console check failed:\n  " + "\n  ".join(console.problems))
        return 1
    print(f"the console works in headless Chromium; screenshots in {arguments[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
