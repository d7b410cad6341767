#!/usr/bin/env python3
"""Faults of `wellbeing serve` met through the real executable: a client gone mid-upload or mid-import, the server
killed (-9) during an import, secrets in the log, and HTTPS with a self-signed certificate.

Usage: serve-faults.py WELLBEING FIXTURES WORK CASE
  CASE: upload-cut | import-cut | page-stop | kill | logs | tls

Each case makes its own store in WORK (the mini survey of FIXTURES, period 2025), starts `WELLBEING serve --port 0`
with TMPDIR=WORK/tmp (where uploads are received), and prints one line per check; the last line is OK. Exits 1
on a failed check. Only Python's standard library (and the openssl command for tls) is used.
"""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

BOUNDARY = "faults-boundary-7"


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print(message)


def mini_rows(prefix, count, period_marker=""):
    """A mini-survey file of `count` plain answers, ids prefix0…"""
    districts = ["髙島", "北区", "①番町"]
    lines = ["id,地区,sex,q1,q2,q3,q4,ls,comment"]
    for index in range(count):
        lines.append("%s%d,%s,%s,%d,%d,%d,%d,%d,%s" % (prefix, index, districts[index % 3], "女性" if index % 2 else "男性",
                                                    1 + index % 5, 1 + (index + 2) % 5, 1 + (index + 1) % 5,
                                                    1 + (index + 3) % 5, index % 11, period_marker))
    return ("\n".join(lines) + "\n").encode("utf-8")


def form(fields, file_name, content):
    body = b""
    for name, value in fields:
        body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (BOUNDARY, name, value)).encode("utf-8")
    body += ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\nContent-Type: text/csv\r\n\r\n"
             % (BOUNDARY, file_name)).encode("utf-8")
    return body + content + ("\r\n--%s--\r\n" % BOUNDARY).encode("utf-8")


class Run:
    def __init__(self, executable, work):
        self.executable = executable
        self.work = work

    def cli(self, arguments, stdin=None):
        environment = dict(os.environ, WELLBEING_LANG="en")
        environment.pop("WELLBEING_STORE", None)
        return subprocess.run([self.executable] + arguments, input=stdin, capture_output=True, text=True, env=environment,
                              cwd=self.work, timeout=300)


class Server:
    """`wellbeing serve --port 0` on `store`, its standard error in WORK/NAME.log, uploads received in WORK/tmp."""

    def __init__(self, run, store, name, extra=(), context=None):
        self.temporary = os.path.join(run.work, "tmp")
        os.makedirs(self.temporary, exist_ok=True)
        self.log_path = os.path.join(run.work, name + ".log")
        self.log_file = open(self.log_path, "w")
        environment = dict(os.environ, TMPDIR=self.temporary, WELLBEING_LANG="en")
        environment.pop("WELLBEING_STORE", None)
        self.process = subprocess.Popen([run.executable, "serve", "--port", "0", "--store", store] + list(extra),
                                        env=environment, stdout=subprocess.PIPE, stderr=self.log_file, text=True)
        first = self.process.stdout.readline().strip()
        prefix = "wellbeing serve: "
        if not first.startswith(prefix):
            self.stop()
            fail("first line: %r; log: %s" % (first, self.log()))
        self.address = first[len(prefix):]
        parsed = urllib.parse.urlsplit(self.address)
        self.scheme, self.host, self.port = parsed.scheme, parsed.hostname, parsed.port
        self.base = "%s://%s:%d" % (self.scheme, self.host, self.port)
        self.token = urllib.parse.parse_qs(parsed.query).get("token", [None])[0]
        self.context = context
        self.cookie = None
        self.csrf = None

    def connection(self):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=120)
        return http.client.HTTPConnection(self.host, self.port, timeout=120)

    def request(self, method, path, body=None, headers=None):
        connection = self.connection()
        fields = dict(headers or {})
        if self.cookie:
            fields["Cookie"] = self.cookie
        if method != "GET":
            fields["Origin"] = self.base
            if self.csrf:
                fields["X-CSRF-Token"] = self.csrf
        connection.request(method, path, body=body, headers=fields)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def log_in(self):
        response, _ = self.request("GET", "/login?token=" + self.token)
        if response.status != 303:
            fail("login answered %d" % response.status)
        self.set_cookie = response.getheader("Set-Cookie")
        self.cookie = self.set_cookie.split(";")[0]
        _, data = self.request("GET", "/api/v1/session")
        self.csrf = json.loads(data)["csrf"]

    def batches(self):
        response, data = self.request("GET", "/api/v1/batches")
        if response.status != 200:
            fail("batches answered %d: %s" % (response.status, data[:300]))
        return json.loads(data)

    def raw_upload(self, body):
        """A socket that has sent the request's head for `body` (a multipart form), and nothing of the body yet."""
        head = ("POST /api/v1/imports HTTP/1.1\r\nHost: %s:%d\r\nCookie: %s\r\nOrigin: %s\r\nX-CSRF-Token: %s\r\n"
                "Content-Type: multipart/form-data; boundary=%s\r\nContent-Length: %d\r\n\r\n"
                % (self.host, self.port, self.cookie, self.base, self.csrf, BOUNDARY, len(body)))
        connection = socket.create_connection((self.host, self.port))
        connection.sendall(head.encode("ascii"))
        return connection

    def start_import(self, file_name, rows, period="2026"):
        """Sends a whole upload of `rows` mini answers on a socket of its own and waits until its import has started;
        returns the socket (the answer unread)."""
        body = form([("instrument", "mini"), ("period", period)], file_name, mini_rows(file_name[0].upper(), rows))
        connection = self.raw_upload(body)
        connection.sendall(body)
        check(self.wait_for_log(file_name + " into mini started"), "the whole upload of %s was received and its import started" % file_name)
        return connection

    def uploads(self):
        return sorted(os.listdir(self.temporary))

    def log(self):
        if not self.log_file.closed:
            self.log_file.flush()
        with open(self.log_path, encoding="utf-8", errors="replace") as file:
            return file.read()

    def wait_for_log(self, text, seconds=120):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if text in self.log():
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def mini_store(run, fixtures, name):
    store = os.path.join(run.work, name + ".sqlite")
    result = run.cli(["import", "responses", os.path.join(fixtures, "mini-utf8.csv"), "--instrument",
                      os.path.join(fixtures, "mini.yaml"), "--period", "2025", "--on-error", "skip", "--store", store])
    if result.returncode != 0:
        fail("the mini store: %s" % result.stderr)
    return store


def cli_batches(run, store):
    result = run.cli(["batches", "--format", "json", "--store", store])
    return result.returncode, (json.loads(result.stdout) if result.returncode == 0 else result.stderr)


def wait_until_empty(folder, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not os.listdir(folder):
            return True
        time.sleep(0.05)
    return False


def upload_cut(run, fixtures):
    store = mini_store(run, fixtures, "cut")
    server = Server(run, store, "upload-cut")
    try:
        server.log_in()
        before = server.batches()
        body = form([("instrument", "mini"), ("period", "2026")], "half.csv", mini_rows("C", 60000))
        connection = server.raw_upload(body)
        connection.sendall(body[: len(body) // 2])
        deadline = time.time() + 20
        while not server.uploads() and time.time() < deadline:
            time.sleep(0.05)
        check(len(server.uploads()) == 1, "half an upload is being received into a private folder")
        connection.close()
        check(wait_until_empty(server.temporary), "the client closed the connection mid-upload: nothing of it is left on disk")
        check("internal failure" not in server.log(), "the log does not call a client that left an internal failure")
        check(server.batches() == before, "nothing of it reached the store")
        # The same with a reset instead of a close, and the server still answers.
        connection = server.raw_upload(body)
        connection.sendall(body[: len(body) // 3])
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.close()
        check(wait_until_empty(server.temporary), "a connection reset mid-upload: nothing left on disk")
        check(server.batches() == before, "the server still answers, and the store is as it was")
    finally:
        server.stop()


def import_cut(run, fixtures):
    store = mini_store(run, fixtures, "gone")
    server = Server(run, store, "import-cut")
    rows = 80000
    try:
        server.log_in()
        before = server.batches()
        connection = server.start_import("gone.csv", rows)
        connection.close()
        print("the client left before the answer")
        check(server.wait_for_log("POST /api/v1/imports"), "the import ended on the server")
        after = server.batches()
        added = [batch for batch in after["batches"] if batch not in before["batches"]]
        check(after["batches"][: len(before["batches"])] == before["batches"], "the earlier batches are untouched")
        check(added == [] or (len(added) == 1 and added[0]["rowCount"] == rows),
              "the store holds the whole batch or nothing of it (%s)" % ("whole" if added else "nothing"))
        check(wait_until_empty(server.temporary), "nothing of the upload is left on disk")
    finally:
        server.stop()


def page_stop(run, fixtures):
    store = mini_store(run, fixtures, "stopped")
    server = Server(run, store, "page-stop")
    rows = 150000
    try:
        server.log_in()
        before = server.batches()
        body = form([("instrument", "mini"), ("period", "2026"), ("csrf", server.csrf)], "page.csv", mini_rows("P", rows))
        response, _ = server.request("POST", "/import", body=body, headers={"Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
        job = response.getheader("Location") or ""
        check(response.status == 303 and job.startswith("/imports/"), "the import page's upload answers 303 to its job's page")
        print("the browser goes away without reading the job's page")
        check(server.wait_for_log("page.csv into mini started"), "the import runs as a job of the server")
        server.process.send_signal(signal.SIGTERM)
        try:
            status = server.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            fail("the server did not stop within two minutes of SIGTERM")
        log = server.log()
        waited = "waiting for 1 import(s)" in log
        print("SIGTERM %s the import ended; the server exited with %d" % ("before" if waited else "after", status))
        check("page.csv into mini, batch" in log, "the server stopped only after the job's import had ended")
    finally:
        server.stop()
    code, after = cli_batches(run, store)
    check(code == 0, "the store opens afterwards")
    added = [batch for batch in after["batches"] if batch not in before["batches"]]
    check(len(added) == 1 and added[0]["rowCount"] == rows, "the job's batch is whole (%d rows)" % rows)
    check(wait_until_empty(server.temporary), "the job's upload is removed")


def kill(run, fixtures):
    store = mini_store(run, fixtures, "killed")
    server = Server(run, store, "kill")
    rows = 150000
    try:
        server.log_in()
        small = form([("instrument", "mini"), ("period", "2024")], "small.csv", mini_rows("S", 30))
        response, data = server.request("POST", "/api/v1/imports", body=small,
                                        headers={"Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
        check(response.status == 201, "a first import through the server is committed (201)")
        committed = server.batches()
        connection = server.start_import("big.csv", rows)
        time.sleep(0.5)
        finished = "POST /api/v1/imports" in server.log().split("big.csv into mini started")[1]
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        connection.close()
        print("the server was killed with SIGKILL %s its import ended" % ("after" if finished else "before"))
    finally:
        server.stop()
    status, batches = cli_batches(run, store)
    check(status == 0, "the store opens afterwards: 'wellbeing batches' exits 0")
    kept = [batch for batch in batches["batches"] if batch["fileName"] != "big.csv"]
    check(kept == committed["batches"], "every committed batch is still there")
    big = [batch for batch in batches["batches"] if batch["fileName"] == "big.csv"]
    check(big == [] or big[0]["rowCount"] == rows, "the killed import is wholly there or not at all (%s)" % ("whole" if big else "not at all"))
    result = run.cli(["indicators", "--period", "2024", "--format", "csv", "--store", store])
    check(result.returncode == 0, "indicators of the committed period are read (exit 0)")
    left = [name for name in os.listdir(os.path.join(run.work, "tmp")) if name.startswith("wellbeing-upload-")]
    check(len(left) == 1, "the killed server left its upload folder behind")
    again = Server(run, store, "kill-again")
    try:
        again.log_in()
        check(again.batches()["batches"] == batches["batches"], "a new server on the store serves the same batches")
        check(not again.uploads(), "and has removed the upload folder the killed one left")
    finally:
        again.stop()


def logs(run, fixtures):
    store = mini_store(run, fixtures, "accounts")
    password = "Sekret-Passw0rd-42"
    wrong = "Wrong-Passw0rd-77"
    added = run.cli(["users", "add", "clerk", "--role", "importer", "--store", store], stdin=password + "\n")
    check(added.returncode == 0, "an account is added with its password from standard input")
    server = Server(run, store, "logs-accounts")
    try:
        check(server.token is None, "with accounts, no login token is printed")
        body = "name=clerk&password=" + urllib.parse.quote(wrong)
        response, _ = server.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(response.status == 401, "a wrong password is refused (401)")
        body = "name=clerk&password=" + urllib.parse.quote(password)
        response, _ = server.request("POST", "/login", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(response.status == 303, "the right password signs in (303)")
        server.cookie = response.getheader("Set-Cookie").split(";")[0]
        _, data = server.request("GET", "/api/v1/session")
        server.csrf = json.loads(data)["csrf"]
        upload = form([("instrument", "mini"), ("period", "2026")], "n.csv", mini_rows("L", 20))
        response, _ = server.request("POST", "/api/v1/imports", body=upload,
                                     headers={"Content-Type": "multipart/form-data; boundary=" + BOUNDARY})
        check(response.status == 201, "the clerk imports (201)")
        response, _ = server.request("GET", "/api/v1/indicators?period=2026&lang=en")
        check(response.status == 200, "and reads the indicators")
    finally:
        server.stop()
    text = server.log()
    check("signed in: clerk" in text and "POST /login" in text, "the log records the sign-in and the requests")
    session = server.cookie.split("=", 1)[1]
    for name, secret in [("the password", password), ("the wrong password", wrong), ("the session id", session),
                         ("the CSRF token", server.csrf)]:
        check(secret not in text, "the log holds no trace of %s" % name)
    plain = mini_store(run, fixtures, "token")
    server = Server(run, plain, "logs-token")
    try:
        server.request("GET", "/login?token=wrong-" + server.token)
        server.log_in()
        server.request("GET", "/api/v1/batches")
    finally:
        server.stop()
    text = server.log()
    check("/login" in text, "the log records the token login")
    check(server.token not in text and server.cookie.split("=", 1)[1] not in text and server.csrf not in text,
          "the log holds neither the login token nor the session's secrets")


def tls(run, fixtures):
    store = mini_store(run, fixtures, "tls")
    certificate = os.path.join(run.work, "server.crt")
    key = os.path.join(run.work, "server.key")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                           "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                          capture_output=True, text=True)
    check(made.returncode == 0, "openssl made a self-signed certificate")
    context = ssl.create_default_context(cafile=certificate)
    server = Server(run, store, "tls", extra=["--tls-cert", certificate, "--tls-key", key], context=context)
    try:
        check(server.address.startswith("https://127.0.0.1:"), "the printed address is https (%s…)" % server.address[:30])
        server.log_in()
        check("Secure" in server.set_cookie and "HttpOnly" in server.set_cookie, "the session cookie is Secure and HttpOnly")
        check(len(server.batches()["batches"]) == 1, "the API answers over HTTPS")
        plain = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            plain.request("GET", "/login")
            status = plain.getresponse().status
        except (http.client.HTTPException, OSError):
            status = None
        check(status is None, "plain HTTP on the port gets no answer")
        untrusted = http.client.HTTPSConnection(server.host, server.port, context=ssl.create_default_context(), timeout=10)
        try:
            untrusted.request("GET", "/login")
            refused = False
        except ssl.SSLError:
            refused = True
        check(refused, "a client that does not trust the certificate is refused by its own TLS check")
    finally:
        server.stop()


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    executable, fixtures, work, case = sys.argv[1:]
    cases = {"upload-cut": upload_cut, "import-cut": import_cut, "page-stop": page_stop, "kill": kill, "logs": logs, "tls": tls}
    if case not in cases:
        print(__doc__)
        return 2
    cases[case](Run(executable, work), fixtures)
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
