#!/usr/bin/env python3
"""Opens HTML pages in headless Chromium through Selenium and checks them with axe-core (scripts/browser.py): a
violation of impact serious or critical fails the check; minor and moderate ones are printed. Also prints how long
each page took to open (navigation start to the load event, from the page's own Navigation Timing), a
measurement, not a bound: this machine may be busy.

Usage: scripts/check-accessibility.py PAGE... (paths or URLs)
"""
import pathlib
import sys

from browser import accessible, browser


def check(driver, page):
    url = page if "://" in page else pathlib.Path(page).resolve().as_uri()
    driver.get(url)
    opened = driver.execute_script(
        "const n = performance.getEntriesByType('navigation')[0]; return n ? n.loadEventEnd - n.startTime : null;")
    size = len(driver.page_source.encode())
    timing = f"opened in {opened:.0f} ms" if opened is not None else "open time unknown"
    print(f"  {page}: {size // 1024} KiB, {timing}", flush=True)
    return accessible(driver, "accessibility")


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
