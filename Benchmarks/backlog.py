"""Latency of a read and of an enrollment while the scheduler drains a backlog, next to the
same latencies when idle, and bulk enrollment throughput, in one run against a release build
of `flowdesk serve` on loopback. Bounded: every wrk run lasts SECONDS.

    python3 Benchmarks/backlog.py [participants] [seconds]

Needs wrk (Benchmarks/http.sh installs it) and a release build (`swift build -c release
--product flowdesk`). Prints one table; nothing is asserted.
"""
import http.client, json, os, shutil, subprocess, sys, tempfile, threading, time
from wrkrun import free_port, wrk as run_wrk

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
TOKEN = "bench"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


PORT = free_port()
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def call(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=HEADERS)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def put_contacts(first, last, workers=8):
    def work(k):
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        for i in range(first + k, last, workers):
            status, _ = call(conn, "PUT", f"/v1/contacts/c{i}",
                             {"email": f"c{i}@example.com", "consent": True, "subscriptions": ["news"]})
            assert status == 200, status
    threads = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    for t in threads: t.start()
    for t in threads: t.join()


def wrk(path, script=None, env=None):
    return run_wrk(PORT, path, SECONDS, TOKEN, script, env)


def active(conn):
    _, flow = call(conn, "GET", "/v1/flows/flow-1")
    return flow["participants"].get("active", 0)


def main():
    data = tempfile.mkdtemp()
    env = {**os.environ, "FLOWDESK_ADMIN_TOKEN": TOKEN, "LOG_LEVEL": "warning"}
    server = subprocess.Popen([os.path.join(ROOT, ".build/release/flowdesk"), "serve", "--host", "127.0.0.1",
                               "--port", str(PORT), "--data", data], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT); call(conn, "GET", "/healthz"); break
            except OSError:
                time.sleep(0.1)
        conn = http.client.HTTPConnection("127.0.0.1", PORT)
        # Contacts for the backlog and for the enrollments measured one by one.
        spare = 100_000
        started = time.time()
        put_contacts(0, N + spare)
        print(f"contacts: {N + spare} in {time.time() - started:.1f} s")
        # Five steps that run at once: email, update, split, update, finish.
        flow = {"name": "Backlog", "settings": {"emailFrom": "a@example.com", "emailReplyTo": "b@example.com",
                                                "subscriptionType": "news"},
                "trigger": {"onlyOnce": False},
                "steps": [{"id": "mail", "type": "sendEmail", "subject": "Hi"},
                          {"id": "mark", "type": "updateContact", "property": "welcomed", "set": "yes"},
                          {"id": "split", "type": "split", "branches": [
                              {"id": "nl", "condition": {"property": "country", "equals": "NL"}}],
                           "everyoneElse": {"exit": False}},
                          {"id": "again", "type": "updateContact", "property": "seen", "set": "yes"},
                          {"id": "done", "type": "finish"}]}
        status, created = call(conn, "POST", "/v1/flows", flow); assert status == 201, created
        assert call(conn, "POST", "/v1/flows/flow-1/start")[0] == 200
        wrk_env = {"TOKEN": TOKEN, "FLOW_PATH": "/v1/flows/flow-1/enrollments", "THREADS": "2"}
        enroll_script = os.path.join(ROOT, "Benchmarks/http/enroll.lua")

        def both(first):
            # A read and an enrollment load at the same time, as two wrk processes.
            results = {}
            def read(): results["read"] = wrk("/v1/flows/flow-1")
            def enroll(): results["enroll"] = wrk("/v1/flows/flow-1/enrollments", enroll_script,
                                                  {**wrk_env, "FIRST": str(first)})
            threads = [threading.Thread(target=read), threading.Thread(target=enroll)]
            for t in threads: t.start()
            for t in threads: t.join()
            return results["read"], results["enroll"]

        idle_read, idle_enroll = both(N)
        time.sleep(1)
        # The backlog: N participants enrolled through the bulk API while the flow is paused,
        # so that resuming makes all of them due at once.
        assert call(conn, "POST", "/v1/flows/flow-1/pause")[0] == 200
        started = time.time()
        for first in range(0, N, 10_000):
            ids = [f"c{i}" for i in range(first, min(first + 10_000, N))]
            status, result = call(conn, "POST", "/v1/flows/flow-1/enrollments", {"contactIds": ids})
            assert status == 200 and result["enrolled"] == len(ids), result
        bulk = time.time() - started
        assert call(conn, "POST", "/v1/flows/flow-1/resume")[0] == 200
        backlog_start = active(conn)
        loaded_read, loaded_enroll = both(N + 50_000)
        backlog_end = active(conn)
        drained = time.time()
        while active(conn) > 0 and time.time() - drained < 600:
            time.sleep(0.5)
        print(f"bulk enrollment: {N} in {bulk:.2f} s ({N / bulk:,.0f}/s, {N // 10_000} requests of 10,000)")
        print(f"backlog: {backlog_start} due when the loaded runs began, {backlog_end} still due when they ended "
              f"(both loads ran at once, read and enrollment, {SECONDS} s each)")
        print("| request | idle p50 | idle p99 | under backlog p50 | under backlog p99 | p99 ratio | req/s idle / loaded |")
        print("|---|---|---|---|---|---|---|")
        for name, idle, loaded in (("GET /v1/flows/flow-1", idle_read, loaded_read),
                                   ("POST enrollment", idle_enroll, loaded_enroll)):
            print(f"| {name} | {idle['p50']:.2f} ms | {idle['p99']:.2f} ms | {loaded['p50']:.2f} ms | "
                  f"{loaded['p99']:.2f} ms | {loaded['p99'] / idle['p99']:.2f}x | "
                  f"{idle['rate']:,.0f} / {loaded['rate']:,.0f} |")
            if idle["non2xx"] or loaded["non2xx"]:
                print(f"  non-2xx answers: idle {idle['non2xx']}, loaded {loaded['non2xx']}")
    finally:
        server.terminate(); server.wait(); shutil.rmtree(data, ignore_errors=True)


main()
