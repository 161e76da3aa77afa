"""One node against two nodes on one PostgreSQL: throughput and p50/p99 of a read
(`GET /v1/flows/flow-1`) and of an enrollment (`POST .../enrollments`, a new contact each), run
at the same time with wrk, first against one release `flowdesk serve`, then against two behind
nginx. Bounded: every wrk run lasts SECONDS.

    python3 Benchmarks/nodes.py POSTGRES_URL_1 POSTGRES_URL_2 [seconds]

Each URL names an empty database (one per configuration). Needs wrk and nginx (Debian's wrk
and nginx-light) and a release build (`swift build -c release --product flowdesk`). Prints one
table; nothing is asserted.
"""
import http.client, json, os, subprocess, sys, tempfile, threading, time
from wrkrun import free_port, wrk as run_wrk

URLS = sys.argv[1:3]
SECONDS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
TOKEN = "bench"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
CONTACTS = 60_000


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=HEADERS)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def wait_up(port):
    for _ in range(200):
        try:
            if call(port, "GET", "/healthz")[0] == 200: return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"nothing answers on {port}")


def wrk(port, path, script=None, env=None):
    return run_wrk(port, path, SECONDS, TOKEN, script, env)


def measure(url, nodes):
    env = {**os.environ, "FLOWDESK_ADMIN_TOKEN": TOKEN, "LOG_LEVEL": "warning", "FLOWDESK_DATABASE_URL": url}
    ports = [free_port() for _ in range(nodes)]
    servers = [subprocess.Popen([os.path.join(ROOT, ".build/release/flowdesk"), "serve", "--host", "127.0.0.1",
                                 "--port", str(p)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p in ports]
    front, nginx, folder = ports[0], None, tempfile.mkdtemp()
    try:
        for p in ports: wait_up(p)
        if nodes > 1:
            front = free_port()
            upstream = "".join(f"server 127.0.0.1:{p};" for p in ports)
            with open(os.path.join(folder, "nginx.conf"), "w") as f:
                f.write(f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log; events {{}}"
                        f" http {{ access_log off; upstream flowdesk {{ {upstream} keepalive 32; }}"
                        f" server {{ listen 127.0.0.1:{front}; location / {{ proxy_pass http://flowdesk;"
                        f" proxy_http_version 1.1; proxy_set_header Connection \"\"; }} }} }}")
            nginx = subprocess.Popen(["nginx", "-c", os.path.join(folder, "nginx.conf")])
            wait_up(front)
        def work(k, workers=8):
            for i in range(k, CONTACTS, workers):
                status, _ = call(ports[i % nodes], "PUT", f"/v1/contacts/c{i}",
                                 {"email": f"c{i}@example.com", "consent": True, "subscriptions": ["news"]})
                assert status == 200, status
        threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
        for t in threads: t.start()
        for t in threads: t.join()
        flow = {"name": "Nodes", "settings": {"emailFrom": "a@example.com", "emailReplyTo": "b@example.com",
                                              "subscriptionType": "news"},
                "steps": [{"id": "mail", "type": "sendEmail", "subject": "Hi"}, {"id": "done", "type": "finish"}]}
        assert call(front, "POST", "/v1/flows", flow)[0] == 201
        assert call(front, "POST", "/v1/flows/flow-1/start")[0] == 200
        results = {}
        enroll = os.path.join(ROOT, "Benchmarks/http/enroll.lua")
        wrk_env = {"TOKEN": TOKEN, "FLOW_PATH": "/v1/flows/flow-1/enrollments", "THREADS": "2", "FIRST": "0"}
        def read(): results["read"] = wrk(front, "/v1/flows/flow-1")
        def write(): results["enroll"] = wrk(front, "/v1/flows/flow-1/enrollments", enroll, wrk_env)
        loads = [threading.Thread(target=read), threading.Thread(target=write)]
        for t in loads: t.start()
        for t in loads: t.join()
        return results
    finally:
        if nginx: nginx.terminate(); nginx.wait()
        for s in servers: s.terminate(); s.wait()


def main():
    rows = {n: measure(URLS[n - 1], n) for n in (1, 2)}
    print("| request | nodes | p50 | p99 | req/s | non-2xx |")
    print("|---|---|---|---|---|---|")
    for kind, label in (("read", "`GET /v1/flows/flow-1`"), ("enroll", "`POST` enrollment")):
        for n in (1, 2):
            r = rows[n][kind]
            print(f"| {label} | {n} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['rate']:,.0f} | {r['non2xx']} |")


if __name__ == "__main__":
    main()
