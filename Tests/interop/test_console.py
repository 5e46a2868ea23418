"""The web console in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) against a
real broker seeded by confluent-kafka: every page loads with no JavaScript error and nothing from another origin,
a group's lag on screen equals log end minus committed offset, a binary record shows its bytes in hex and base64,
tables sort, the forms create and delete a topic, reset offsets (dry run, then execute) and redrive dead letters,
times are the browser's local time, and the page refreshes itself. Screenshots of every page are kept in
.build/console-screenshots/ to look at."""

import base64
import datetime
import json
import shutil
import time
import urllib.request

import pytest
from confluent_kafka import AcknowledgeType, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import ROOT, temporary_broker
from test_share_dead_letters import set_group_configs
from test_share_queue import SHARE_ARGS, share_consumer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = ROOT / ".build" / "console-screenshots"
TIMEOUT_S = 15
ORDERS, BINARY, JOBS, DEAD = "console-orders", "console-binary", "console-jobs", "dlq.console-jobs"
GROUP, RESET, WORKERS = "console-readers", "console-reset", "console-workers"
# A record that is not UTF-8 anywhere: key, value and one header value.
BINARY_KEY = b"\x00\xff\xfe\x80"
BINARY_VALUE = b"\xde\xad\xbe\xef\x00\x01\xc3\x28"
BINARY_HEADER = b"\xff\x00\x10"


def hex_of(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data)


def seed(bootstrap):
    """Topics, records (one of them binary), a consumer group that leaves lag, and a share group that dead-letters
    a record. Returns the group's real lag per (topic, partition), from its committed and log end offsets."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [NewTopic(ORDERS, num_partitions=3), NewTopic(BINARY, num_partitions=1),
              NewTopic(JOBS, num_partitions=1)]
    for future in admin.create_topics(topics).values():
        future.result(TIMEOUT_S)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for index in range(3000):
        producer.produce(ORDERS, key=f"customer-{index % 7}", value=f'{{"order": {index}}}', partition=index % 3)
    producer.produce(BINARY, key="text-key", value="plain text value", headers=[("kind", b"text")])
    producer.produce(BINARY, key=BINARY_KEY, value=BINARY_VALUE,
                     headers=[("trace", BINARY_HEADER), ("kind", b"bin")])
    for index in range(4):
        producer.produce(JOBS, value=f"job-{index}")
    assert producer.flush(TIMEOUT_S) == 0

    # Committed offsets that leave lag: 1000 behind on partition 0 (large), 10 on 1, none on 2.
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False})
    offsets = [TopicPartition(ORDERS, 0, 0), TopicPartition(ORDERS, 1, 990), TopicPartition(ORDERS, 2, 1000)]
    consumer.commit(offsets=offsets, asynchronous=False)
    committed = consumer.committed([TopicPartition(ORDERS, p) for p in range(3)], timeout=TIMEOUT_S)
    lag = {}
    for tp in committed:
        _, end = consumer.get_watermark_offsets(TopicPartition(ORDERS, tp.partition), timeout=TIMEOUT_S)
        lag[(ORDERS, tp.partition)] = end - tp.offset
    consumer.close()
    # A second group, 1,000 behind on every partition, for the offset reset.
    resetting = Consumer({"bootstrap.servers": bootstrap, "group.id": RESET, "enable.auto.commit": False})
    resetting.commit(offsets=[TopicPartition(ORDERS, p, 0) for p in range(3)], asynchronous=False)
    resetting.close()

    set_group_configs(bootstrap, WORKERS, {"errors.deadletterqueue.topic.name": DEAD})
    worker = share_consumer(bootstrap, WORKERS, JOBS, **{"share.acknowledgement.mode": "explicit"})
    seen = set()
    deadline = time.monotonic() + TIMEOUT_S
    while len(seen) < 4 and time.monotonic() < deadline:
        for message in worker.poll(0.3):
            if message.error() is None:
                seen.add(message.value())
                reject = message.value() == b"job-0"
                worker.acknowledge(message, AcknowledgeType.REJECT if reject else AcknowledgeType.ACCEPT)
    worker.commit_sync()
    worker.close()
    assert len(seen) == 4, seen
    # The rejected record is written to the dead-letter topic (made on first use) once the reject is committed.
    deadline = time.monotonic() + TIMEOUT_S
    while DEAD not in admin.list_topics(timeout=TIMEOUT_S).topics and time.monotonic() < deadline:
        time.sleep(0.1)
    return lag


@pytest.fixture(scope="module")
def seeded():
    with temporary_broker(SHARE_ARGS + ("--set", "log.cleaner.backoff.ms=100")) as broker:
        assert broker.admin_url, "the broker did not report its admin listener"
        yield broker, seed(broker.bootstrap)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1440,1000", "--lang=en-US", "--no-first-run"):
        options.add_argument(argument)
    options.set_capability("goog:loggingOptions", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(TIMEOUT_S)
    SHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nconsole screenshots: {SHOTS}")
    yield driver
    driver.quit()


def waiting(driver):
    """A wait that retries when an element it read was replaced by a re-render in between."""
    return WebDriverWait(driver, TIMEOUT_S, ignored_exceptions=(StaleElementReferenceException,))


def open_page(driver, broker, fragment, ready_css):
    """Loads the console at `fragment`, waits for `ready_css` to appear, and fails on an error banner. The 5 s
    auto-refresh is switched off so that no re-render replaces an element between a test's find and read; the
    tests that need a refresh call the one the timer calls (refreshCurrent). Each load is a fresh document:
    a fragment-only change would leave the previous page's elements to be found before the hashchange."""
    driver.get("about:blank")
    driver.get(f"{broker.admin_url}/#{fragment}")
    driver.execute_script("document.getElementById('auto-refresh').checked = false")
    wait = waiting(driver)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ready_css) or error_banner(d))
    assert not error_banner(driver), f"#{fragment} shows an error: {error_banner(driver)}"


def error_banner(driver):
    shown = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#page-error:not(.hidden), .error") if e.text]
    return "; ".join(shown)


def shoot(driver, name):
    """A PNG of the whole page (beyond the window's height too), through the DevTools protocol."""
    path = SHOTS / f"{name}.png"
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 5000), "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                  {"format": "png", "captureBeyondViewport": True, "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def severe_logs(driver):
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def cell(driver, table, row_id, key):
    return driver.find_element(By.CSS_SELECTOR, f'[data-table="{table}"] tr[data-id="{row_id}"] td[data-key="{key}"]')


def bytes_of(element):
    """(encoding shown, data shown) of one bytes view."""
    data = element.find_element(By.CSS_SELECTOR, ".data").text
    label = element.find_elements(By.CSS_SELECTOR, ".enc")
    return (label[0].text if label else "utf8"), data


def shown_bytes(driver, offset, key):
    return bytes_of(cell(driver, "records", offset, key).find_element(By.CSS_SELECTOR, ".bytes"))


def header_bytes(driver, offset):
    items = cell(driver, "records", offset, "headers").find_elements(By.CSS_SELECTOR, "li")
    return {li.find_element(By.CSS_SELECTOR, ".hkey").text.rstrip(":"):
            bytes_of(li.find_element(By.CSS_SELECTOR, ".bytes")) for li in items}


def number(text):
    return int("".join(ch for ch in text if ch.isdigit() or ch == "-"))


PAGES = [
    ("overview", "/", "#overview-cards .card .value"),
    ("topics", "/topics", f'[data-table="topics"] tr[data-id="{ORDERS}"]'),
    ("topic", f"/topics/{ORDERS}", '[data-table="topic-partitions"] tbody tr td[data-key="partition"]'),
    ("records", f"/records/{BINARY}?partition=0&offset=0", '[data-table="records"] tr[data-id="1"]'),
    ("groups", "/groups", f'[data-table="groups"] tr[data-id="{GROUP}"]'),
    ("group", f"/groups/{GROUP}", f'[data-table="group-lag"] tr[data-id="{ORDERS}/0"]'),
    ("share-groups", "/share-groups", f'[data-table="share-groups"] tr[data-id="{WORKERS}"]'),
    ("share-group", f"/share-groups/{WORKERS}", f'[data-table="share-partitions"] tr[data-id="{JOBS}/0"]'),
    ("config", "/config", '[data-table="config"] tr[data-id="admin.listen"]'),
]


def test_assets_are_served_with_their_types_and_a_strict_content_security_policy(seeded):
    """The page and its assets come from the broker with their content types and a policy that allows only the
    page's own origin (no inline script, nothing from elsewhere)."""
    broker, _ = seeded
    types = {"/": "text/html", "/console/app.js": "text/javascript", "/console/app.css": "text/css",
             "/console/icon.svg": "image/svg+xml"}
    for path, kind in types.items():
        with urllib.request.urlopen(f"{broker.admin_url}{path}", timeout=TIMEOUT_S) as answer:
            assert answer.headers["Content-Type"].startswith(kind), (path, answer.headers["Content-Type"])
            policy = answer.headers["Content-Security-Policy"]
            assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe" not in policy


def test_every_page_loads_without_a_javascript_error(seeded, browser):
    """Each page renders its data with no error banner and no SEVERE entry in the browser's console log (a
    script error, a refused Content-Security-Policy or a failed request would be one); each is screenshotted."""
    broker, _ = seeded
    for name, fragment, ready in PAGES:
        open_page(browser, broker, fragment, ready)
        shoot(browser, name)
        assert severe_logs(browser) == [], f"#{fragment} logged errors"
    # Everything the pages loaded came from the broker: the console works with no other network.
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
    assert loaded and all(url.startswith(broker.admin_url + "/") for url in loaded), loaded


def overview_cards(driver):
    return {c.find_element(By.CSS_SELECTOR, ".label").text.lower(): c.find_element(By.CSS_SELECTOR, ".value").text
            for c in driver.find_elements(By.CSS_SELECTOR, "#overview-cards .card")}


def test_overview_shows_figures_and_rates_from_metrics(seeded, browser):
    """Each overview card whose family /metrics exports shows a figure (a missing family would show a dash, not
    break the page); after records are produced, the next refresh shows a produce rate and a records rate above 0
    (computed in the page from two scrapes of the counters) and a produce latency."""
    broker, _ = seeded
    with urllib.request.urlopen(f"{broker.admin_url}/metrics", timeout=TIMEOUT_S) as answer:
        exported = {line.split("{")[0].split(" ")[0] for line in answer.read().decode().splitlines()
                    if line and not line.startswith("#")}
    families = {"produce": "spool_bytes_in_total", "fetch": "spool_bytes_out_total",
                "records in": "spool_topic_produced_records_total", "requests": "spool_requests_total",
                "connections": "spool_connections_open", "process memory": "process_resident_memory_bytes"}
    assert set(families.values()) <= exported, exported
    open_page(browser, broker, "/", "#overview-cards svg.spark")
    cards = overview_cards(browser)
    for label in families:
        assert cards[label] != "–", (label, cards[label])
    assert cards["log data"].endswith("KiB") or cards["log data"].endswith("MiB"), cards["log data"]

    # A topic of its own, so that the other tests' offsets and lag stay as seeded.
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("overview-traffic", num_partitions=1)])["overview-traffic"].result(TIMEOUT_S)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    for _ in range(2000):
        producer.produce("overview-traffic", value=b"x" * 200)
    assert producer.flush(TIMEOUT_S) == 0
    browser.execute_async_script("refreshCurrent().then(arguments[0])")
    cards = overview_cards(browser)
    assert cards["produce"].endswith("/s") and not cards["produce"].startswith("0 "), cards["produce"]
    assert number(cards["records in"]) > 0 and cards["produce latency p99"].startswith("≤"), cards
    topic_in = cell(browser, "overview-topics", "overview-traffic", "in").text
    assert topic_in.endswith("/s") and not topic_in.startswith("0 "), topic_in
    shoot(browser, "overview-traffic")


def test_group_lag_on_screen_is_the_real_lag(seeded, browser):
    """The lag per partition and in total that the group page shows equal log end minus committed offset, and
    lag above 0 is emphasised (large lag more so)."""
    broker, lag = seeded
    open_page(browser, broker, f"/groups/{GROUP}", f'[data-table="group-lag"] tr[data-id="{ORDERS}/0"]')
    for (topic, partition), expected in lag.items():
        shown = cell(browser, "group-lag", f"{topic}/{partition}", "lag")
        assert number(shown.text) == expected, (topic, partition, shown.text)
        emphasis = shown.find_elements(By.CSS_SELECTOR, ".lag-high, .lag-some")
        assert bool(emphasis) == (expected > 0), (partition, expected)
    assert lag[(ORDERS, 0)] >= 1000 and cell(browser, "group-lag", f"{ORDERS}/0", "lag").find_elements(
        By.CSS_SELECTOR, ".lag-high")
    total = browser.find_element(By.CSS_SELECTOR, ".card [data-lag]")
    assert number(total.text) == sum(lag.values())
    open_page(browser, broker, "/groups", f'[data-table="groups"] tr[data-id="{GROUP}"]')
    assert number(cell(browser, "groups", GROUP, "totalLag").text) == sum(lag.values())


def test_binary_record_shows_hex_then_base64(seeded, browser):
    """The non-UTF-8 record's key, value and header value are shown as hex, and as base64 after the toggle; the
    UTF-8 record before it is shown as text."""
    broker, _ = seeded
    open_page(browser, broker, f"/records/{BINARY}?partition=0&offset=0", '[data-table="records"] tr[data-id="1"]')
    assert shown_bytes(browser, "0", "value") == ("utf8", "plain text value")
    assert shown_bytes(browser, "1", "key") == ("hex", hex_of(BINARY_KEY))
    assert shown_bytes(browser, "1", "value") == ("hex", hex_of(BINARY_VALUE))
    assert header_bytes(browser, "1") == {"trace": ("hex", hex_of(BINARY_HEADER)), "kind": ("utf8", "bin")}
    browser.find_element(By.CSS_SELECTOR, 'button[data-binary="base64"]').click()
    assert shown_bytes(browser, "1", "value") == ("base64", base64.b64encode(BINARY_VALUE).decode())
    assert header_bytes(browser, "1")["trace"] == ("base64", base64.b64encode(BINARY_HEADER).decode())
    shoot(browser, "records-base64")
    assert severe_logs(browser) == []


def test_a_table_sorts_by_the_clicked_header(seeded, browser):
    """Clicking a header sorts the rows by that column, clicking again reverses, and the order survives the
    page's auto-refresh."""
    broker, _ = seeded
    open_page(browser, broker, "/topics", f'[data-table="topics"] tr[data-id="{ORDERS}"]')

    def column(key):
        cells = browser.find_elements(By.CSS_SELECTOR, f'[data-table="topics"] tbody td[data-key="{key}"]')
        return [c.text for c in cells]

    ours = [name for name in column("name") if name.startswith("console-")]
    assert ours == sorted(ours) and len(ours) == 3, ours
    header = '[data-table="topics"] th[data-key="records"]'
    browser.find_element(By.CSS_SELECTOR, header).click()
    ascending = [number(text) for text in column("records")]
    assert ascending == sorted(ascending), ascending
    browser.find_element(By.CSS_SELECTOR, header).click()
    descending = [number(text) for text in column("records")]
    assert descending == sorted(ascending, reverse=True) and column("name")[0] == ORDERS, descending
    assert browser.find_element(By.CSS_SELECTOR, header).get_attribute("aria-sort") == "descending"
    # The sort is kept when the page refreshes itself (what the 5 s timer runs, called here at once).
    browser.execute_async_script("refreshCurrent().then(arguments[0])")
    assert [number(text) for text in column("records")] == descending
    shoot(browser, "topics-sorted")


def test_dead_letters_are_linked_from_the_share_group_and_redriven(seeded, browser):
    """The share group page counts the rejected record as dead-lettered and links its dead-letter topic to the
    record browser, which shows the record with the headers saying why; Redrive (confirmed) appends it to its
    topic again."""
    broker, _ = seeded
    open_page(browser, broker, f"/share-groups/{WORKERS}", f'[data-table="share-partitions"] tr[data-id="{JOBS}/0"]')
    assert number(cell(browser, "share-partitions", f"{JOBS}/0", "deadLettered").text) == 1
    browser.find_element(By.ID, "dead-letter-link").click()
    waiting(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-table="records"] tr[data-id="0"]'))
    assert shown_bytes(browser, "0", "value") == ("utf8", "job-0")
    headers = header_bytes(browser, "0")
    assert headers["__dlq.errors.reason"] == ("utf8", "rejected") and headers["__dlq.errors.topic"] == ("utf8", JOBS)
    shoot(browser, "dead-letters")
    open_page(browser, broker, f"/share-groups/{WORKERS}", f'[data-table="share-partitions"] tr[data-id="{JOBS}/0"]')
    browser.find_element(By.ID, "redrive").click()
    browser.find_element(By.ID, "redrive-confirm").click()
    waiting(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".notice"))
    assert browser.find_element(By.CSS_SELECTOR, ".notice").text == "Moved 1 dead letter back."
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "console-check"})
    assert consumer.get_watermark_offsets(TopicPartition(JOBS, 0), timeout=TIMEOUT_S)[1] == 5
    consumer.close()
    assert severe_logs(browser) == []


def committed(bootstrap, group):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False})
    offsets = consumer.committed([TopicPartition(ORDERS, p) for p in range(3)], timeout=TIMEOUT_S)
    consumer.close()
    return [tp.offset for tp in offsets]


def test_reset_offsets_dry_run_changes_nothing_and_execute_commits(seeded, browser):
    """Resetting a group to the latest offsets: the dry run lists the new offsets and leaves the committed ones
    as they were; Execute commits them (read back by a Kafka client) and the page's lag falls to 0."""
    broker, _ = seeded
    open_page(browser, broker, f"/groups/{RESET}", f'[data-table="group-lag"] tr[data-id="{ORDERS}/0"]')
    Select(browser.find_element(By.ID, "reset-topic")).select_by_value(ORDERS)
    Select(browser.find_element(By.ID, "reset-to")).select_by_value("latest")
    browser.find_element(By.ID, "reset-dry-run").click()
    waiting(browser).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-table="reset-preview"] td[data-key="newOffset"]'))
    planned = browser.find_elements(By.CSS_SELECTOR, '[data-table="reset-preview"] td[data-key="newOffset"]')
    assert [number(c.text) for c in planned] == [1000, 1000, 1000]
    assert committed(broker.bootstrap, RESET) == [0, 0, 0]
    shoot(browser, "group-reset-dry-run")
    browser.find_element(By.ID, "reset-execute").click()
    waiting(browser).until(lambda d: "Executed" in d.find_element(By.CSS_SELECTOR, ".notice").text)
    assert committed(broker.bootstrap, RESET) == [1000, 1000, 1000]
    waiting(browser).until(
        lambda d: number(d.find_element(By.CSS_SELECTOR, ".card [data-lag]").text) == 0)
    assert severe_logs(browser) == []


def test_create_then_delete_a_topic_from_the_forms(seeded, browser):
    """The create form makes a topic with the partitions and config given (as a Kafka client sees it), its page
    shows the config as a topic override, and the delete button (after the name is typed) deletes it."""
    broker, _ = seeded
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    open_page(browser, broker, "/topics", "#create-topic")
    browser.find_element(By.ID, "create-name").send_keys("console-made")
    browser.find_element(By.ID, "create-partitions").send_keys("2")
    browser.find_element(By.ID, "create-configs").send_keys("retention.ms=3600000")
    browser.find_element(By.CSS_SELECTOR, "#create-topic button[type=submit]").click()
    waiting(browser).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, '[data-table="topic-partitions"] tbody tr')) == 2)
    assert len(admin.list_topics("console-made", timeout=TIMEOUT_S).topics["console-made"].partitions) == 2
    row = browser.find_element(By.CSS_SELECTOR, '[data-table="topic-configs"] tr[data-id="retention.ms"]')
    assert "3600000" in row.text and "topic override" in row.text, row.text
    browser.find_element(By.CSS_SELECTOR, ".page-head button.danger").click()
    browser.find_element(By.CSS_SELECTOR, ".confirm input").send_keys("console-made")
    browser.find_element(By.CSS_SELECTOR, ".confirm button.solid").click()
    waiting(browser).until(lambda d: d.current_url.endswith("#/topics"))
    assert "console-made" not in admin.list_topics(timeout=TIMEOUT_S).topics
    assert severe_logs(browser) == []


def test_times_are_the_browsers_local_time(seeded, browser):
    """In a browser whose time zone is Asia/Kolkata (UTC+05:30, no daylight saving), a record's time is its
    timestamp in that zone, and the column says which zone."""
    broker, _ = seeded
    url = f"{broker.admin_url}/api/topics/{BINARY}/partitions/0/records?offset=0"
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:
        stamp = json.load(answer)["records"][0]["timestampMs"]
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Kolkata"})
    try:
        open_page(browser, broker, f"/records/{BINARY}?partition=0&offset=0", '[data-table="records"] tr[data-id="0"]')
        browser.refresh()
        browser.execute_script("document.getElementById('auto-refresh').checked = false")
        waiting(browser).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '[data-table="records"] tr[data-id="0"]'))
        kolkata = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
        local = datetime.datetime.fromtimestamp(stamp / 1000, kolkata).strftime("%Y-%m-%d %H:%M:%S.")
        assert cell(browser, "records", "0", "timestampMs").text == local + f"{stamp % 1000:03d}"
        header = browser.find_element(By.CSS_SELECTOR, '[data-table="records"] th[data-key="timestampMs"]')
        assert "UTC+05:30" in header.text
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def test_config_filters_highlights_changes_and_keeps_the_scroll(seeded, browser):
    """The filter box keeps only matching settings, changed settings are highlighted (the test broker sets
    admin.listen), and a refresh keeps the page where the user scrolled to."""
    broker, _ = seeded
    open_page(browser, broker, "/config", '[data-table="config"] tr[data-id="admin.listen"]')
    def row_class(key):
        row = browser.find_element(By.CSS_SELECTOR, f'[data-table="config"] tr[data-id="{key}"]')
        return row.get_attribute("class")

    assert "changed" in row_class("admin.listen") and "changed" not in row_class("log.segment.bytes")
    browser.execute_script("window.scrollTo(0, 900)")
    browser.execute_async_script("refreshCurrent().then(arguments[0])")
    assert browser.execute_script("return window.scrollY") == 900
    browser.find_element(By.ID, "config-filter").send_keys("retention")
    rows = browser.find_elements(By.CSS_SELECTOR, '[data-table="config"] tbody tr')
    keys = [row.get_attribute("data-id") for row in rows]
    assert "log.retention.ms" in keys and "admin.listen" not in keys, keys
    assert all("retention" in row.text.lower() for row in rows), keys
    shoot(browser, "config-filtered")


def test_an_api_error_is_shown_on_the_page(seeded, browser):
    """A topic that does not exist: the page shows the API's 404 error text, and no empty tables or forms."""
    broker, _ = seeded
    browser.get(f"{broker.admin_url}/#/topics/no-such-topic")
    waiting(browser).until(lambda d: error_banner(d))
    assert "404" in error_banner(browser) and "no-such-topic" in error_banner(browser), error_banner(browser)
    assert not browser.find_element(By.XPATH, "//h2[text()='Partitions']").is_displayed()
    shoot(browser, "api-error")
    browser.get_log("browser")  # the failed request's entry is expected here


def test_the_page_refreshes_itself(seeded, browser):
    """With auto-refresh on, a topic created by a Kafka client appears in the open topics table within one
    refresh period (5 s), with no action in the browser."""
    broker, _ = seeded
    open_page(browser, broker, "/topics", f'[data-table="topics"] tr[data-id="{ORDERS}"]')
    browser.execute_script("document.getElementById('auto-refresh').checked = true")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("console-later", num_partitions=1)])["console-later"].result(TIMEOUT_S)
    WebDriverWait(browser, 8, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, '[data-table="topics"] tr[data-id="console-later"]'))
    browser.execute_script("document.getElementById('auto-refresh').checked = false")
    admin.delete_topics(["console-later"])["console-later"].result(TIMEOUT_S)


def test_reading_from_a_local_date_time(seeded, browser):
    """In a UTC+05:30 browser, reading from a local date-time asks for the records at or after that instant: from
    the second of the first record's timestamp it is shown, from the next second on it is not."""
    broker, _ = seeded
    url = f"{broker.admin_url}/api/topics/{BINARY}/partitions/0/records?offset=0"
    with urllib.request.urlopen(url, timeout=TIMEOUT_S) as answer:
        stamps = [r["timestampMs"] for r in json.load(answer)["records"]]
    kolkata = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Asia/Kolkata"})
    try:
        open_page(browser, broker, f"/records/{BINARY}?partition=0&offset=0", '[data-table="records"] tr[data-id="0"]')
        def read_from(seconds):
            local = datetime.datetime.fromtimestamp(seconds, kolkata).strftime("%Y-%m-%dT%H:%M:%S")
            Select(browser.find_element(By.ID, "records-mode")).select_by_value("time")
            browser.execute_script("document.getElementById('records-time').value = arguments[0]", local)
            browser.find_element(By.ID, "records-fetch").click()
            waiting(browser).until(lambda d: f"timestamp={seconds * 1000}" in d.current_url)
            rows = browser.find_elements(By.CSS_SELECTOR, '[data-table="records"] tbody tr[data-id]')
            return {row.get_attribute("data-id") for row in rows}

        assert "0" in read_from(stamps[0] // 1000)
        assert read_from(max(stamps) // 1000 + 1) == set()
    finally:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def test_a_compacted_topic_shows_the_cleaners_progress(seeded, browser):
    """A compacted topic's page shows, per partition, where the cleaner's dirty section starts and the bytes it
    reclaimed, as the admin API reports them, and a card with the total reclaimed."""
    broker, _ = seeded
    topic = "console-compacted"
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    configs = {"cleanup.policy": "compact", "segment.bytes": "65536", "min.cleanable.dirty.ratio": "0.01"}
    admin.create_topics([NewTopic(topic, num_partitions=1, config=configs)])[topic].result(TIMEOUT_S)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5, "batch.size": 16384})
    for index in range(20_000):
        producer.produce(topic, key=f"key-{index % 10}", value=f"value-{index}")
    assert producer.flush(TIMEOUT_S) == 0
    deadline = time.monotonic() + 60
    cleaner = None
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{broker.admin_url}/api/topics/{topic}", timeout=TIMEOUT_S) as response:
            cleaner = json.load(response)["partitions"][0].get("cleaner")
        if cleaner and cleaner["bytesReclaimed"] > 0:
            break
        time.sleep(0.2)
    assert cleaner and cleaner["bytesReclaimed"] > 0, cleaner
    # Nothing more is produced, so the cleaner has nothing left to do and the figures stay as read.
    time.sleep(0.5)
    with urllib.request.urlopen(f"{broker.admin_url}/api/topics/{topic}", timeout=TIMEOUT_S) as response:
        cleaner = json.load(response)["partitions"][0]["cleaner"]
    open_page(browser, broker, f"/topics/{topic}", '[data-table="topic-partitions"] tr[data-id="0"]')
    assert number(cell(browser, "topic-partitions", "0", "firstDirty").text) == cleaner["firstDirtyOffset"]
    assert cell(browser, "topic-partitions", "0", "reclaimed").text.strip() != ""
    cards = [c.text for c in browser.find_elements(By.CSS_SELECTOR, ".card")]
    assert any(c.upper().startswith("RECLAIMED BY COMPACTION") for c in cards), cards  # CSS upper-cases labels
    shoot(browser, "topic-compacted")
    assert severe_logs(browser) == []
