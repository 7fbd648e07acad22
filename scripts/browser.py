"""Headless Chromium through Selenium (Debian's chromium and chromium-driver) and axe-core accessibility checks
(PyPI's axe-selenium-python), shared by scripts/check-accessibility.py and scripts/check-console.py."""
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# Violations of these impacts fail a check; minor and moderate ones are printed.
FAILING = {"serious", "critical"}


def browser(width=1280, height=900):
    """A headless Chromium whose console messages can be read with driver.get_log("browser")."""
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(flag)
    options.binary_location = "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(300)
    return driver


def accessible(driver, label):
    """Runs axe-core on the page as it is now and prints what it found; False on a serious or critical violation."""
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    failing = [v for v in results["violations"] if v.get("impact") in FAILING]
    other = [v for v in results["violations"] if v.get("impact") not in FAILING]
    print(f"    {label}: {len(results['passes'])} axe rules pass, {len(failing)} serious or critical violations, {len(other)} minor")
    for violation in failing + other:
        nodes = ", ".join(str(node["target"][0]) for node in violation["nodes"][:3])
        print(f"      [{violation.get('impact')}] {violation['id']}: {violation['help']} ({nodes})")
    return not failing
