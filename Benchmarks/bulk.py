"""Bulk enrollment through the HTTP API: N contacts enrolled into one paused flow with
`POST /v1/flows/flow-1/enrollments` in requests of 10,000 contact ids, over CLIENTS
connections at once, against a release build of `flowdesk serve` on loopback.

    python3 Benchmarks/bulk.py prep N TEMPLATE      # a data folder with N contacts and the flow
    python3 Benchmarks/bulk.py run N TEMPLATE CLIENTS

`prep` fills TEMPLATE once (8 connections of PUT /v1/contacts/{id}); each `run` copies it, so
runs start from the same data. The request bodies are built before the clock starts, and the
client reads each answer whole but checks only its head ("enrolled": the request's count), so
the Python client's own JSON work stays out of the figure. BIN selects the binary (default:
the release build of this checkout). Prints one line; nothing is asserted.
"""
import http.client, json, os, shutil, subprocess, sys, tempfile, threading, time
from wrkrun import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKEN = "bench"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
BIN = os.environ.get("BIN", os.path.join(ROOT, ".build/release/flowdesk"))


def call(conn, method, path, body=None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=HEADERS)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def serve(data):
    port = free_port()
    env = {**os.environ, "FLOWDESK_ADMIN_TOKEN": TOKEN, "LOG_LEVEL": "warning"}
    server = subprocess.Popen(
        [BIN, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", data],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            call(http.client.HTTPConnection("127.0.0.1", port), "GET", "/healthz")
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    sys.exit("the server did not start")


def prep(n, template):
    shutil.rmtree(template, ignore_errors=True)
    os.makedirs(template)
    server, port = serve(template)

    def put(first, step=8):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for i in range(first, n, step):
            body = {"email": f"c{i}@example.com", "consent": True, "subscriptions": ["news"]}
            status, _ = call(conn, "PUT", f"/v1/contacts/c{i}", body)
            assert status == 200, status

    workers = [threading.Thread(target=put, args=(k,)) for k in range(8)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    conn = http.client.HTTPConnection("127.0.0.1", port)
    flow = {
        "name": "Bulk", "trigger": {"onlyOnce": False},
        "settings": {"emailFrom": "a@example.com", "emailReplyTo": "b@example.com", "subscriptionType": "news"},
        "steps": [{"id": "mail", "type": "sendEmail", "subject": "Hi"}, {"id": "done", "type": "finish"}],
    }
    assert call(conn, "POST", "/v1/flows", flow)[0] == 201
    assert call(conn, "POST", "/v1/flows/flow-1/start")[0] == 200
    # Paused: enrolled participants wait, so the figure is the enrollment alone.
    assert call(conn, "POST", "/v1/flows/flow-1/pause")[0] == 200
    server.terminate()
    server.wait()
    print(f"prepared {n} contacts in {template}")


def run(n, template, clients):
    data = tempfile.mkdtemp()
    shutil.rmtree(data)
    shutil.copytree(template, data)
    server, port = serve(data)

    def cpu():
        fields = open(f"/proc/{server.pid}/stat").read().split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")

    chunks = [[f"c{i}" for i in range(first, min(first + 10_000, n))] for first in range(0, n, 10_000)]
    bodies = [json.dumps({"contactIds": ids}) for ids in chunks]
    failures = []

    def send(first):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for j in range(first, len(bodies), clients):
            conn.request("POST", "/v1/flows/flow-1/enrollments", body=bodies[j], headers=HEADERS)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200 or not answer.startswith(b'{"enrolled":%d,' % len(chunks[j])):
                failures.append(answer[:300])

    cpu0, start = cpu(), time.time()
    workers = [threading.Thread(target=send, args=(k,)) for k in range(clients)]
    [w.start() for w in workers]
    [w.join() for w in workers]
    elapsed, used = time.time() - start, cpu() - cpu0
    server.terminate()
    server.wait()
    shutil.rmtree(data)
    if failures:
        sys.exit(f"{len(failures)} requests did not enroll everyone: {failures[0]!r}")
    print(f"bulk {n} over {clients} connection(s): {elapsed:.2f} s ({n / elapsed:,.0f}/s), server CPU {used:.2f} s")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "prep":
        prep(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 5 and sys.argv[1] == "run":
        run(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit(__doc__)
