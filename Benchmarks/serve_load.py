#!/usr/bin/env python3
"""The load client of Benchmarks/serve-load.sh: CLIENTS concurrent readers of `indicators` against a running
`wellbeing serve`, while one import runs through the same server.

Usage: serve_load.py LOGIN_URL SERVER_PID IMPORT_FILE INSTRUMENT PERIOD [--clients 50] [--seconds 60]
                     [--read-period 2025] [--import-after 2]

Signs in with the printed login address, starts CLIENTS readers (asyncio, one keep-alive connection each) that
ask for the indicators of READ_PERIOD with a mix of `by=`, `weights=` and `format=json|csv`, and IMPORT_AFTER
seconds later uploads IMPORT_FILE as PERIOD (one import, in a thread). The readers go on for SECONDS, and at least
until the import has answered. Prints the latency of every request (p50, p95, max) overall and for the requests
that ran while the import did, per kind of request, the errors, the import's status and time, and the server's
peak memory (VmHWM of /proc/SERVER_PID/status). Exits 1 when any request failed. Standard library only.
"""
import argparse
import asyncio
import http.client
import json
import random
import statistics
import threading
import time
import urllib.parse
import uuid

BY = ["", "age_band", "sex", "age_band*sex", "region"]
WEIGHTS = ["", "none", "raked"]
FORMATS = ["json", "csv"]


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def peak_memory_kb(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def log_in(login_url):
    parts = urllib.parse.urlsplit(login_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    connection.request("GET", parts.path + "?" + parts.query)
    response = connection.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit("login answered %d" % response.status)
    cookie = response.getheader("Set-Cookie").split(";")[0]
    connection.request("GET", "/api/v1/session", headers={"Cookie": cookie})
    response = connection.getresponse()
    csrf = json.loads(response.read())["csrf"]
    connection.close()
    return parts.hostname, parts.port, cookie, csrf


class Importer(threading.Thread):
    """Uploads the file as a multipart form to /api/v1/imports and records the answer."""

    def __init__(self, host, port, cookie, csrf, path, instrument, period):
        super().__init__(daemon=True)
        self.arguments = (host, port, cookie, csrf, path, instrument, period)
        self.started_at = self.ended_at = None
        self.status = None
        self.answer = b""

    def run(self):
        host, port, cookie, csrf, path, instrument, period = self.arguments
        boundary = uuid.uuid4().hex
        with open(path, "rb") as file:
            content = file.read()
        body = b"".join([
            ("--%s\r\nContent-Disposition: form-data; name=\"instrument\"\r\n\r\n%s\r\n" % (boundary, instrument)).encode(),
            ("--%s\r\nContent-Disposition: form-data; name=\"period\"\r\n\r\n%s\r\n" % (boundary, period)).encode(),
            ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"responses.csv\"\r\n"
             "Content-Type: text/csv\r\n\r\n" % boundary).encode(),
            content, ("\r\n--%s--\r\n" % boundary).encode()])
        self.started_at = time.monotonic()
        connection = http.client.HTTPConnection(host, port, timeout=3600)
        connection.request("POST", "/api/v1/imports", body=body, headers={
            "Cookie": cookie, "Origin": "http://%s:%d" % (host, port), "X-CSRF-Token": csrf,
            "Content-Type": "multipart/form-data; boundary=" + boundary})
        response = connection.getresponse()
        self.answer = response.read()
        self.status = response.status
        self.ended_at = time.monotonic()
        connection.close()


async def reader(number, host, port, cookie, period, until, importer, results, errors):
    generator = random.Random(number)
    connection = None
    while time.monotonic() < until() or (importer.started_at is not None and importer.ended_at is None):
        by, weights, form = generator.choice(BY), generator.choice(WEIGHTS), generator.choice(FORMATS)
        query = {"period": period, "format": form}
        if by:
            query["by"] = by
        if weights:
            query["weights"] = weights
        path = "/api/v1/indicators?" + urllib.parse.urlencode(query)
        kind = "by=%s weights=%s %s" % (by or "-", weights or "-", form)
        started = time.monotonic()
        try:
            if connection is None:
                connection = await asyncio.open_connection(host, port)
            reader_stream, writer = connection
            writer.write(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: %s\r\n\r\n" % (path, host, port, cookie)).encode())
            await writer.drain()
            head = await reader_stream.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {line.split(":", 1)[0].lower(): line.split(":", 1)[1].strip() for line in lines[1:] if ":" in line}
            if "content-length" in headers:
                body = await reader_stream.readexactly(int(headers["content-length"]))
            else:  # chunked
                body = b""
                while True:
                    size = int((await reader_stream.readuntil(b"\r\n")).strip(), 16)
                    body += await reader_stream.readexactly(size + 2)
                    if size == 0:
                        break
            if headers.get("connection", "").lower() == "close":
                writer.close()
                connection = None
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            errors.append("%s: %s" % (kind, error))
            connection = None
            continue
        ended = time.monotonic()
        during = importer.started_at is not None and started >= importer.started_at and \
            (importer.ended_at is None or ended <= importer.ended_at)
        if status != 200:
            errors.append("%s: status %d %s" % (kind, status, body[:200]))
        else:
            results.append((kind, ended - started, during, len(body)))


def summary(label, latencies):
    if not latencies:
        return "%-34s none" % label
    return "%-34s n=%6d  p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms" % (
        label, len(latencies), 1000 * percentile(latencies, 0.5), 1000 * percentile(latencies, 0.95), 1000 * max(latencies))


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("login_url")
    parser.add_argument("pid", type=int)
    parser.add_argument("import_file")
    parser.add_argument("instrument")
    parser.add_argument("period")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--read-period", default="2025")
    parser.add_argument("--import-after", type=float, default=2)
    options = parser.parse_args()

    host, port, cookie, csrf = log_in(options.login_url)
    importer = Importer(host, port, cookie, csrf, options.import_file, options.instrument, options.period)
    start = time.monotonic()
    deadline = start + options.seconds
    results, errors = [], []
    readers = [asyncio.ensure_future(reader(number, host, port, cookie, options.read_period, lambda: deadline,
                                            importer, results, errors))
               for number in range(options.clients)]
    await asyncio.sleep(options.import_after)
    importer.start()
    await asyncio.gather(*readers)
    elapsed = time.monotonic() - start
    importer.join()

    all_latencies = [latency for _, latency, _, _ in results]
    during = [latency for _, latency, is_during, _ in results if is_during]
    print("clients: %d, %.1f s, %d answers (%.0f per second), %d errors" % (
        options.clients, elapsed, len(results), len(results) / elapsed, len(errors)))
    print(summary("all requests", all_latencies))
    print(summary("while the import ran", during))
    print(summary("before or after it", [latency for _, latency, is_during, _ in results if not is_during]))
    for kind in sorted({kind for kind, _, _, _ in results}):
        print(summary("  " + kind, [latency for k, latency, _, _ in results if k == kind]))
    import_seconds = (importer.ended_at - importer.started_at) if importer.ended_at else float("nan")
    print("import: status %s in %.1f s: %s" % (importer.status, import_seconds,
                                               importer.answer.decode("utf-8", "replace").replace("\n", " ")[:300]))
    memory = peak_memory_kb(options.pid)
    print("server peak memory (VmHWM): %s MB" % ("%.0f" % (memory / 1024) if memory else "?"))
    for error in errors[:10]:
        print("error:", error)
    ok = not errors and importer.status == 201
    print("p95 %.0f ms (target 1000), errors %d, peak %s MB (target 500): %s" % (
        1000 * percentile(all_latencies, 0.95), len(errors), "%.0f" % (memory / 1024) if memory else "?",
        "OK" if ok and percentile(all_latencies, 0.95) <= 1 and memory and memory <= 500 * 1024 else "NOT MET"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
