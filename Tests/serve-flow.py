#!/usr/bin/env python3
"""Drives `wellbeing serve` in the system's Chromium through the year's main flow, as a clerk would.

Usage: serve-flow.py WELLBEING SURVEYS_FOLDER WORK_FOLDER

Starts `WELLBEING serve --port 0` on a new store in WORK_FOLDER, opens the printed login address, uploads a
Forms-like workbook with one bad cell (the page must name that cell), uploads the fixed workbook and imports
it, shows the indicators by 年代 (the page's figures must equal the API's JSON, and the API's JSON must be the
CLI's bytes), and downloads the workbook (read back with openpyxl, equal to the JSON). Then the year's other
pages: the 2024 answers (Shift_JIS CSV) uploaded, population and KPIs imported with the CLI beside the running
server, and the trend, compare, drivers and indicators-by-district pages, each figure equal to its API's JSON;
the radar of each district's deviation scores and the drivers' quadrant chart drawn; the language switch keeping
a page's choices; the report downloaded from the reports form as HTML (the `report` command's bytes) and as an
English workbook (read back). Every upload goes through its import's page (/imports/{job}), which reloads itself
each second while the import runs; a large file of an earlier year shows the progress bar and the rows read there,
then the result, equal to the job's JSON. Screenshots of every page, and of the charts, go to WORK_FOLDER/screens/.
Prints one line per step; exits 1 on a failed check, 2 when Chromium,
Playwright or openpyxl is missing.
"""
import csv
import datetime
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

CHROMIUM = next((path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.access(path, os.X_OK)), None)


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def workbook(rows, path):
    """Writes rows (the first is the header) as a Forms-like workbook: one sheet, numbers as numbers."""
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    for row in rows:
        sheet.append([int(value) if value.isdigit() else value for value in row])
    book.save(path)


GROUP_ROWS = """sections => sections.map(s => [s.dataset.group,
    Array.from(s.querySelectorAll('tbody tr')).map(r => Array.from(r.children).map(c => c.textContent))])"""


def fixed(value, decimals):
    """A JSON number as the pages print it (C's rounding, as the server's String(format:)), no "-0.00"."""
    if value is None:
        return "—"
    text = "%.*f" % (decimals, value)
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def same_rows(label, api_rows, shown, key, page_cells, expected):
    """Every row of the API's JSON has its row on the page (found by `key`) with the same figures."""
    for row in api_rows:
        cells = shown.get(key(row))
        if cells is None or page_cells(cells) != expected(row):
            fail("%s %s: page %s, API %s" % (label, key(row), cells, row))


def group_rows(page):
    """The rows of the page's per-group tables, keyed (group, first cell)."""
    rows = {}
    for group, body in page.eval_on_selector_all("section.group", GROUP_ROWS):
        for cells in body:
            rows[(group, cells[0])] = cells
    return rows


def estimate_cells(estimate):
    """An estimate's figures as an indicators table prints them: n, mean, SE, 95% CI, top-2 %, deviation score."""
    low, high = estimate["ci_low"], estimate["ci_high"]
    interval = "—" if low is None or high is None else "%s–%s" % (fixed(low, 2), fixed(high, 2))
    top2 = None if estimate["top2"] is None else estimate["top2"] * 100
    return [str(estimate["n"]), fixed(estimate["mean"], 2), fixed(estimate["se"], 3), interval, fixed(top2, 1),
            fixed(estimate["deviation"], 1)]


def screenshot_both_languages(page, selector, path):
    """Screenshots the element `selector` of the page (path.png), then in English through the language switch
    (path-en.png), and switches back."""
    page.locator(selector).screenshot(path=path + ".png")
    page.click("a[hreflang=en]")
    page.locator(selector).screenshot(path=path + "-en.png")
    page.click("a[hreflang=ja]")


def large_csv(rows, path, count, year):
    """Writes `count` answers of the survey's rows (the header first) as a CSV, each with its own timestamp in `year`."""
    start = datetime.datetime(year, 9, 1, 6, 0, 0)
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(rows[0])
        for index in range(count):
            row = list(rows[1 + index % (len(rows) - 1)])
            row[0] = (start + datetime.timedelta(seconds=7 * index)).strftime("%Y/%m/%d %H:%M:%S")
            writer.writerow(row)


def follow_import(page, label, on_progress=None):
    """After the import form's submit: the browser is on the import's page (/imports/{job}), which reloads itself
    each second until the import ends. Waits for the end (the result or the problems); calls `on_progress` once with
    the first progress line that shows some rows read. Returns that line (None if the import ended before one showed)."""
    from playwright.sync_api import Error
    if "/imports/" not in page.url:
        fail("%s: the form did not lead to the import's page (%s)" % (label, page.url))
    shown = None
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            if page.query_selector("main .done, main div.error"):
                return shown
            line = page.query_selector(".progress p.rows")
            text = line.inner_text() if line is not None else ""
            read = re.match(r"[\d,]+", text)
            if shown is None and read and int(read.group(0).replace(",", "")) > 0 \
                    and page.query_selector(".progress progress[value]") is not None:
                shown = text
                if on_progress:
                    on_progress(shown)
        except Error:
            pass  # the page was reloading
        time.sleep(0.1)
    fail("%s: the import did not end in ten minutes" % label)


def api_json(page, base, path):
    """The API's JSON through the browser's session."""
    response = page.request.get(base + path)
    if response.status != 200:
        fail("%s answered %d: %s" % (path, response.status, response.text()[:300]))
    return json.loads(response.body())


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    executable, surveys, work = sys.argv[1:]
    try:
        from playwright.sync_api import sync_playwright
        import openpyxl
    except ImportError as error:
        print("missing: %s" % error)
        return 2
    if CHROMIUM is None:
        print("missing: chromium")
        return 2
    screens = os.path.join(work, "screens")
    os.makedirs(screens, exist_ok=True)
    store = os.path.join(work, "flow.sqlite")
    environment = dict(os.environ, WELLBEING_DATA=surveys, WELLBEING_LANG="ja")

    # The demo's 2025 answers as a Forms workbook; the bad one has a word where row 6 needs a number.
    with open(os.path.join(surveys, "samples", "citizen-2025.csv"), encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    good = os.path.join(work, "回答2025.xlsx")
    workbook(rows, good)
    bad_rows = [list(row) for row in rows]
    bad_rows[5][4] = "とても"  # E6: the first question, on the sheet's sixth row
    bad = os.path.join(work, "bad", "回答2025.xlsx")
    os.makedirs(os.path.dirname(bad), exist_ok=True)
    workbook(bad_rows, bad)

    server = subprocess.Popen([executable, "serve", "--port", "0", "--store", store], env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = server.stdout.readline().strip()
        prefix = "wellbeing serve: "
        if not first.startswith(prefix) or "/login?token=" not in first:
            fail("first line: %r" % first)
        login = first[len(prefix):]
        base = login.split("/login?")[0]
        print("address:", base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            context = browser.new_context(accept_downloads=True, locale="ja-JP")
            page = context.new_page()
            page.goto(login)
            if page.url.rstrip("/") != base:
                fail("the login went to %s" % page.url)
            page.screenshot(path=os.path.join(screens, "1-home.png"), full_page=True)
            print("logged in")

            page.click("a[href='/import']")
            page.set_input_files("input[name=file]", bad)
            page.select_option("select[name=instrument]", "lwc")
            page.fill("input[name=period]", "2025")
            page.click("form.panel button[type=submit]")
            follow_import(page, "the bad workbook")
            text = page.inner_text("main")
            if "回答2025.xlsx:Sheet1!E6" not in text:
                fail("the page does not name the bad cell: %s" % text[:600])
            page.screenshot(path=os.path.join(screens, "2-import-problem.png"), full_page=True)
            print("bad cell named: 回答2025.xlsx:Sheet1!E6")

            page.set_input_files("input[name=file]", good)
            page.select_option("select[name=instrument]", "lwc")
            page.fill("input[name=period]", "2025")
            page.click("form.panel button[type=submit]")
            follow_import(page, "the fixed workbook")
            if not page.query_selector(".done"):
                fail("the import did not finish: %s" % page.inner_text("main")[:600])
            page.screenshot(path=os.path.join(screens, "3-imported.png"), full_page=True)
            print("imported:", page.inner_text(".done").splitlines()[0])

            page.click("a[href='/indicators']")
            page.select_option("select[name=period]", "2025")
            page.select_option("select[name=by]", "年代")
            page.click("form.panel button[type=submit]")
            page.screenshot(path=os.path.join(screens, "4-indicators.png"), full_page=True)
            shown = group_rows(page)
            if len(shown) < 20:
                fail("the indicators tables have %d rows" % len(shown))
            summary = page.inner_text("main")
            if "年代 別" in summary or "年代別" not in summary:
                fail("the summary does not read 年代別")

            # The API's JSON with the page's options, through the browser's session.
            response = page.request.get(base + "/api/v1/indicators?survey=lwc&period=2025&by=%E5%B9%B4%E4%BB%A3")
            if response.status != 200:
                fail("API %d" % response.status)
            api = response.body()
            cli = subprocess.run([executable, "indicators", "--survey", "lwc", "--period", "2025", "--by", "年代",
                                  "--format", "json", "--store", store], env=environment, capture_output=True, check=True).stdout
            if api != cli:
                fail("the API's JSON is not the CLI's bytes")
            print("API JSON = CLI JSON (%d bytes)" % len(api))
            estimates = json.loads(api)["estimates"]
            by_key = {(e["group"] or "", e["indicator"]): e for e in estimates}
            for (group, indicator), estimate in by_key.items():
                row = shown.get((group, indicator))
                if row is None:
                    fail("the page has no row for %s %s" % (group, indicator))
                if [cell.strip() for cell in row[2:8]] != estimate_cells(estimate):
                    fail("%s %s: page %s, API %s" % (group, indicator, row, estimate_cells(estimate)))
            if len(shown) != len(by_key):
                fail("the page has %d rows, the API %d" % (len(shown), len(by_key)))
            print("page = API for %d rows (n, mean, SE, CI, top-2, deviation)" % len(by_key))

            with page.expect_download() as waiting:
                page.click("a[href*='format=xlsx']")
            download = waiting.value
            saved = os.path.join(work, download.suggested_filename)
            download.save_as(saved)
            book = openpyxl.load_workbook(saved, read_only=True)
            sheet = book[book.sheetnames[0]]
            values = list(sheet.iter_rows(values_only=True))
            header = list(values[0])
            column = {name: header.index(name) for name in ("group", "indicator", "n")}
            matched = 0
            for row in values[1:]:
                estimate = by_key.get((row[column["group"]] or "", row[column["indicator"]]))
                if estimate is None or estimate["n"] != row[column["n"]]:
                    fail("workbook row %s differs from the API" % (row,))
                matched += 1
            if matched != len(estimates):
                fail("the workbook has %d rows, the API %d" % (matched, len(estimates)))
            print("workbook %s read back: %d rows equal to the API" % (download.suggested_filename, matched))

            # The language switch keeps the page's choices (the period, 年代).
            page.click("a[hreflang=en]")
            if page.eval_on_selector("select[name=by]", "s => s.value") != "年代" or "lang=en" not in page.url:
                fail("the language switch dropped the page's choices: %s" % page.url)
            page.screenshot(path=os.path.join(screens, "6-indicators-en.png"), full_page=True)
            page.click("a[hreflang=ja]")
            if page.eval_on_selector("select[name=by]", "s => s.value") != "年代":
                fail("the switch back dropped the page's choices: %s" % page.url)
            print("the language switch keeps the choices: %s" % page.url.split("?")[1])
            page.click("a[href='/batches']")
            page.screenshot(path=os.path.join(screens, "5-batches.png"), full_page=True)

            # The year's other pages: a second period through the page (Excel's Shift_JIS CSV), population and
            # KPIs with the CLI beside the running server.
            page.click("a[href='/import']")
            page.set_input_files("input[name=file]", os.path.join(surveys, "samples", "citizen-2024-sjis.csv"))
            page.select_option("select[name=instrument]", "lwc")
            page.fill("input[name=period]", "2024")
            page.click("form.panel button[type=submit]")
            follow_import(page, "the 2024 answers")
            if not page.query_selector(".done"):
                fail("the 2024 import did not finish: %s" % page.inner_text("main")[:600])
            if work in page.content():
                fail("the import summary shows the server's store path")
            page.screenshot(path=os.path.join(screens, "7-imported-2024.png"), full_page=True)
            for arguments in (["import", "population", os.path.join(surveys, "samples", "population.csv"), "--survey", "lwc"],
                              ["import", "kpis", os.path.join(surveys, "samples", "kpis.csv"), "--catalog",
                               os.path.join(surveys, "kpis-lwc.yaml"), "--survey", "lwc"]):
                run = subprocess.run([executable] + arguments + ["--store", store], env=environment, capture_output=True, text=True)
                if run.returncode != 0:
                    fail("%s: %s" % (" ".join(arguments[:2]), run.stderr))
            print("2024 uploaded; population and KPIs imported beside the server")

            page.click("a[href='/trend']")
            page.select_option("select[name=from]", "2024")
            page.select_option("select[name=to]", "2025")
            page.click("form.panel button[type=submit]")
            page.screenshot(path=os.path.join(screens, "8-trend.png"), full_page=True)
            trend = api_json(page, base, "/api/v1/trend?survey=lwc&from=2024&to=2025")["rows"]
            shown = group_rows(page)
            same_rows("trend", trend, shown, lambda row: (row["group"] or "", row["indicator"]), lambda cells: cells[4:8],
                      lambda row: [fixed(row["diff"], 3), fixed(row["se"], 3), fixed(row["p"], 3), fixed(row["q"], 3)])
            if len(shown) != len(trend) or "q 値" not in page.inner_text("main"):
                fail("the trend page has %d rows, the API %d" % (len(shown), len(trend)))
            print("trend page = API for %d rows (diff, SE, p, q)" % len(trend))

            page.click("a[href='/compare']")
            page.select_option("select[name=weights]", "raked")
            page.click("form.panel button[type=submit]")
            page.screenshot(path=os.path.join(screens, "9-compare.png"), full_page=True)
            compare = api_json(page, base, "/api/v1/compare?survey=lwc&period=2025&weights=raked")["rows"]
            shown = group_rows(page)
            same_rows("compare", compare, shown, lambda row: (row["group"], row["indicator"]), lambda cells: cells[2:7],
                      lambda row: [fixed(row["subjective"], 1), fixed(row["objective"], 1), fixed(row["gap"], 1),
                                   fixed(row["gap_se"], 2), str(row["kpis"])])
            if len(shown) != len(compare):
                fail("the compare page has %d rows, the API %d" % (len(shown), len(compare)))
            print("compare page = API for %d rows (raked)" % len(compare))

            page.click("a[href='/drivers']")
            page.screenshot(path=os.path.join(screens, "10-drivers.png"), full_page=True)
            drivers = api_json(page, base, "/api/v1/drivers?survey=lwc&period=2025")["rows"]
            cells = {row[0]: row for row in page.eval_on_selector_all(
                "table.results tbody tr", "rows => rows.map(r => Array.from(r.children).map(c => c.textContent))")}
            for row in drivers:
                shown_row = cells.get(row["indicator"])
                if shown_row is None or [shown_row[2], shown_row[3], shown_row[4]] != [str(row["n"]), fixed(row["r"], 3), fixed(row["mean"], 2)]:
                    fail("drivers %s: page %s, API %s" % (row["indicator"], shown_row, row))
            print("drivers page = API for %d rows" % len(drivers))
            dots = page.eval_on_selector_all("figure#drivers svg circle", "cs => cs.length")
            plotted = [row for row in drivers if row["r"] is not None and row["mean"] is not None]
            if dots != len(plotted) or not page.eval_on_selector("figure#drivers", "f => f.compareDocumentPosition(document.querySelector('table.results')) & 4"):
                fail("the drivers chart has %d dots for %d categories, or is not above the table" % (dots, len(plotted)))
            screenshot_both_languages(page, "figure#drivers", os.path.join(screens, "10a-drivers-chart"))
            print("drivers chart: %d dots above the table" % dots)

            page.click("a[href='/indicators']")
            page.select_option("select[name=by]", "")
            page.click("form.panel button[type=submit]")
            page.screenshot(path=os.path.join(screens, "11-indicators-districts.png"), full_page=True)
            charts = page.eval_on_selector_all("main figure svg", "svgs => svgs.length")
            if charts < 1:
                fail("the indicators page draws no interval chart")
            estimates = api_json(page, base, "/api/v1/indicators?survey=lwc&period=2025")["estimates"]
            shown = group_rows(page)
            same_rows("indicators", estimates, shown, lambda row: (row["group"] or "", row["indicator"]),
                      lambda cells: [cell.strip() for cell in cells[2:8]], estimate_cells)
            print("indicators by district: %d chart(s); page = API for %d rows" % (charts, len(estimates)))
            radars = page.eval_on_selector_all("figure[id^=radar-] svg", "svgs => svgs.length")
            districts = {e["group"] for e in estimates if e["group"] is not None and e["deviation"] is not None}
            if radars < len(districts) or radars < 2:
                fail("the indicators page draws %d radars for %d districts with scores" % (radars, len(districts)))
            screenshot_both_languages(page, "div.radars", os.path.join(screens, "11a-radars"))
            print("radars: %d (one per district with scores)" % radars)

            page.click("a[href='/reports']")
            page.screenshot(path=os.path.join(screens, "12-reports.png"), full_page=True)
            page.select_option("select[name=previous]", "2024")
            with page.expect_download() as waiting:
                page.click("button[name=download][value=html]")
            download = waiting.value
            saved = os.path.join(work, "downloaded-" + download.suggested_filename)
            download.save_as(saved)
            folder = os.path.join(work, "cli-report")
            subprocess.run([executable, "report", "--survey", "lwc", "--period", "2025", "--previous", "2024", "--format", "html",
                            "--out", folder, "--store", store], env=environment, capture_output=True, check=True)
            with open(saved, "rb") as mine, open(os.path.join(folder, download.suggested_filename), "rb") as theirs:
                if mine.read() != theirs.read():
                    fail("the downloaded report %s is not the report command's" % download.suggested_filename)
            print("report %s = the report command's bytes" % download.suggested_filename)
            report_page = context.new_page()
            report_page.goto("file://" + saved)
            report_page.screenshot(path=os.path.join(screens, "13-report-html.png"))
            report_page.close()
            page.select_option("select[name=report_lang]", "en")
            with page.expect_download() as waiting:
                page.click("button[name=download][value=xlsx]")
            download = waiting.value
            saved = os.path.join(work, download.suggested_filename)
            download.save_as(saved)
            if not download.suggested_filename.endswith("-en.xlsx"):
                fail("the form downloaded %s, not the English workbook it chose" % download.suggested_filename)
            book = openpyxl.load_workbook(saved, read_only=True)
            if len(book.sheetnames) < 3:
                fail("the report workbook has %d sheets" % len(book.sheetnames))
            print("report workbook %s read back: %d sheets" % (download.suggested_filename, len(book.sheetnames)))

            # A large file of an earlier year: its page shows the bar and the rows read while it imports, then the
            # result; the job's JSON says the same, and the batch holds every row.
            large = os.path.join(work, "回答2023.csv")
            count = 200000
            large_csv(rows, large, count, 2023)
            page.click("a[href='/import']")
            page.set_input_files("input[name=file]", large)
            page.select_option("select[name=instrument]", "lwc")
            page.fill("input[name=period]", "2023")
            page.click("form.panel button[type=submit]")
            job = page.url.split("/imports/")[-1].split("?")[0]
            shown = follow_import(page, "the large file", on_progress=lambda line: page.screenshot(
                path=os.path.join(screens, "14-import-progress.png"), full_page=True))
            if shown is None:
                fail("the import of %d rows ended before its page showed any progress" % count)
            print("progress shown while importing:", shown)
            if not page.query_selector(".done"):
                fail("the large import did not finish: %s" % page.inner_text("main")[:600])
            page.screenshot(path=os.path.join(screens, "15-import-done.png"), full_page=True)
            state = api_json(page, base, "/api/v1/imports/" + job)
            if state["state"] != "done" or state["rows_read"] != count or state["result"]["rows"] != count \
                    or state["result"]["summary"].splitlines()[0] != page.inner_text(".done").splitlines()[0]:
                fail("the job's JSON %s does not match its page" % {key: state[key] for key in ("state", "rows_read", "status")})
            print("imported through the progress page: %s (JSON: %s, %d rows)" % (
                page.inner_text(".done").splitlines()[0], state["state"], state["rows_read"]))

            page.click("a[href='/']")
            page.screenshot(path=os.path.join(screens, "16-home-after.png"), full_page=True)
            page.click("a[href='/batches']")
            page.screenshot(path=os.path.join(screens, "17-batches-after.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        try:
            _, errors = server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            _, errors = server.communicate()
    token = login.split("token=")[1]
    if token in errors:
        fail("the server's log holds the login token")
    print("log holds no token (%d lines)" % len(errors.splitlines()))
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
