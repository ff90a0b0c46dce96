"""The web page of a running `ragppo serve` in a real browser: Debian's headless
chromium driven by Selenium types a question, waits for the RAG and vanilla answers
to finish streaming, checks the retrieved recipes and both answers are shown, and
saves a screenshot. Usage: browser_check.py BASE_URL N_SOURCES FIRST_SOURCE SCREENSHOT.
Exits non-zero with the failed check's message; prints "browser: ok" at the end."""
import re
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

base_url, n_sources, first_source, screenshot = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
QUESTION = "How do I make salmon crepes?"

# Explicit paths to Debian's packages: without them Selenium Manager would try to
# download a browser and a driver, and the tests run offline.
chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
if not chromium or not chromedriver:
    sys.exit("chromium or chromedriver not found: install Debian's chromium and chromium-driver (scripts/setup.sh)")

options = webdriver.ChromeOptions()
options.binary_location = chromium
options.add_argument("--headless=new")
options.add_argument("--no-sandbox")             # chromium refuses to run as root with its sandbox
options.add_argument("--disable-dev-shm-usage")  # containers often have a tiny /dev/shm
options.add_argument("--window-size=1280,1000")
profile = tempfile.TemporaryDirectory(prefix="ragppo_chromium_")
options.add_argument("--user-data-dir=" + profile.name)  # no clash with another test's browser

driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
try:
    driver.set_page_load_timeout(15)  # the page is compiled in: it loads at once or not at all
    driver.get(base_url + "/")
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(QUESTION)
    driver.find_element(By.ID, "go").click()

    # The page marks each answer data-done="1" when its stream ends (or fails). With one
    # slot the vanilla answer waits for the RAG one, so the wait is generous.
    def finished(d):
        return all(d.find_element(By.ID, a).get_attribute("data-done") == "1" for a in ("rag", "vanilla"))

    WebDriverWait(driver, 300, poll_frequency=0.2).until(finished, "the answers did not finish within 300 s")
    driver.save_screenshot(screenshot)

    for a in ("rag", "vanilla"):
        answer = driver.find_element(By.ID, a)
        text = answer.text.strip()
        assert "error" not in (answer.get_attribute("class") or ""), f"{a}: {text}"
        assert text, f"the {a} answer is empty"
        stats = driver.find_element(By.ID, a + "-stats").text
        # Shown only once the last chunk (with usage) arrived: the stream ran to its end.
        assert re.match(r"\d+ tokens, [\d.–]+ tokens/s, first token after [\d.]+ s", stats), f"{a} stats: {stats!r}"

    items = driver.find_elements(By.CSS_SELECTOR, "#sources li")
    assert len(items) == n_sources, f"{len(items)} sources shown, expected {n_sources}"
    names = [li.find_element(By.TAG_NAME, "b").text for li in items]
    assert names[0] == first_source, names
    scores = [float(li.find_element(By.CLASS_NAME, "score").text) for li in items]
    assert all(0 < s <= 1 for s in scores) and scores == sorted(scores, reverse=True), scores
    assert all(li.find_element(By.CLASS_NAME, "snippet").text for li in items), "a source without its text"
finally:
    driver.quit()

print("browser: ok")
