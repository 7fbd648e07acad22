#!/usr/bin/env python3
"""Opens HTML pages in headless Chromium through Selenium (Debian's chromium-driver) and checks them with axe-core
(PyPI's axe-selenium-python): a violation of impact serious or critical fails the check; minor and moderate ones
are printed. Also prints how long each page took to open (navigation start to the load event, from the page's own
Navigation Timing), a measurement, not a bound: this machine may be busy.

Usage: scripts/check-accessibility.py PAGE... (paths or URLs)
"""
import pathlib
import sys

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FAILING = {"serious", "critical"}


def browser():
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def check(driver, page):
    url = page if "://" in page else pathlib.Path(page).resolve().as_uri()
    driver.get(url)
    opened = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd - n.startTime : null;")
    size = len(driver.page_source.encode())
    timing = f"opened in {opened:.0f} ms" if opened is not None else "open time unknown"
    print(f"  {page}: {size // 1024} KiB, {timing}", flush=True)
    driver.set_script_timeout(300)
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    failing = [v for v in results["violations"] if v.get("impact") in FAILING]
    other = [v for v in results["violations"] if v.get("impact") not in FAILING]
    print(f"    {len(results['passes'])} axe rules pass, {len(failing)} serious or critical violations, {len(other)} minor")
    for violation in failing + other:
        nodes = ", ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"][0])
                          for node in violation["nodes"][:3])
        print(f"    [{violation.get('impact')}] {violation['id']}: {violation['help']} ({nodes})")
    return not failing


def main(pages):
    if not pages:
        print(__doc__)
        return 2
    driver = browser()
    try:
        results = [check(driver, page) for page in pages]
    finally:
        driver.quit()
    if not all(results):
        print("accessibility: serious or critical axe violations above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
