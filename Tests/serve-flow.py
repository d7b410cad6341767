#!/usr/bin/env python3
"""Drives `wellbeing serve` in the system's Chromium through the year's main flow, as a clerk would.

Usage: serve-flow.py WELLBEING SURVEYS_FOLDER WORK_FOLDER

Starts `WELLBEING serve --port 0` on a new store in WORK_FOLDER, opens the printed login address, uploads a
Forms-like workbook with one bad cell (the page must name that cell), uploads the fixed workbook and imports
it, shows the indicators by 年代 (the page's figures must equal the API's JSON, and the API's JSON must be the
CLI's bytes), and downloads the workbook (read back with openpyxl, equal to the JSON). Screenshots of every
page go to WORK_FOLDER/screens/. Prints one line per step; exits 1 on a failed check, 2 when Chromium,
Playwright or openpyxl is missing.
"""
import csv
import json
import os
import subprocess
import sys
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
            text = page.inner_text("main")
            if "回答2025.xlsx:Sheet1!E6" not in text:
                fail("the page does not name the bad cell: %s" % text[:600])
            page.screenshot(path=os.path.join(screens, "2-import-problem.png"), full_page=True)
            print("bad cell named: 回答2025.xlsx:Sheet1!E6")

            page.set_input_files("input[name=file]", good)
            page.select_option("select[name=instrument]", "lwc")
            page.fill("input[name=period]", "2025")
            page.click("form.panel button[type=submit]")
            if not page.query_selector(".done"):
                fail("the import did not finish: %s" % page.inner_text("main")[:600])
            page.screenshot(path=os.path.join(screens, "3-imported.png"), full_page=True)
            print("imported:", page.inner_text(".done").splitlines()[0])

            page.click("a[href='/indicators']")
            page.select_option("select[name=period]", "2025")
            page.select_option("select[name=by]", "年代")
            page.click("form.panel button[type=submit]")
            page.screenshot(path=os.path.join(screens, "4-indicators.png"), full_page=True)
            cells = page.eval_on_selector_all(
                "table.results tbody tr", "rows => rows.map(r => Array.from(r.children).map(c => c.textContent))")
            if len(cells) < 20:
                fail("the indicators table has %d rows" % len(cells))

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
            checked = 0
            for row in cells:
                group, indicator, n, mean = row[0], row[1], row[3], row[4]
                estimate = by_key.get(("" if group in ("（全体）", "(all)") else group, indicator))
                if estimate is None:
                    continue
                if str(estimate["n"]) != n.strip():
                    fail("n of %s %s: page %s, API %s" % (group, indicator, n, estimate["n"]))
                shown = "—" if estimate["mean"] is None else "%.2f" % estimate["mean"]
                if mean.strip() != shown:
                    fail("mean of %s %s: page %s, API %s" % (group, indicator, mean, shown))
                checked += 1
            if checked < 20:
                fail("only %d page rows matched the API" % checked)
            print("page = API for %d rows" % checked)

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

            page.click("a[href='/batches']")
            page.screenshot(path=os.path.join(screens, "5-batches.png"), full_page=True)
            page.goto(base + "/indicators?lang=en")
            page.screenshot(path=os.path.join(screens, "6-indicators-en.png"), full_page=True)
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
