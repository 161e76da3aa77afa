"""Drives a running `flowdesk serve` for the delivery benchmark: N contacts, a flow with one email
step, all enrolled at once; prints the messages delivered per second, from the enrollment until
the delivered counter on /metrics reaches N (at most 300 seconds)."""
import json, os, sys, time, urllib.request

port, count = int(sys.argv[1]), int(sys.argv[2])
# The serve process, when given: its CPU time over the timed part is printed per message, a
# figure that a shared machine disturbs less than a rate.
pid = int(sys.argv[3]) if len(sys.argv) > 3 else None


def cpu_seconds():
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
base = f"http://127.0.0.1:{port}"


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", "Bearer bench")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        return response.read()


def metric(name):
    with urllib.request.urlopen(base + "/metrics") as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[-1]))
    return 0


def delivered():
    return metric("flowdesk_deliveries_delivered_total")


for n in range(count):
    call("PUT", f"/v1/contacts/c{n}", {"email": f"c{n}@example.com", "consent": True, "subscriptions": ["news"]})
call("POST", "/v1/flows", {
    "name": "Bench", "trigger": {"onlyOnce": False},
    "settings": {"emailFrom": "news@example.com", "emailReplyTo": "help@example.com", "subscriptionType": "news"},
    "steps": [{"id": "hello", "type": "sendEmail", "subject": "Hi {{contact.email}}"}, {"id": "done", "type": "finish"}]})
call("POST", "/v1/flows/flow-1/start")
started = time.monotonic()
cpu_started = cpu_seconds()
for first in range(0, count, 10000):
    call("POST", "/v1/flows/flow-1/enrollments", {"contactIds": [f"c{n}" for n in range(first, min(count, first + 10000))]})
enrolled = time.monotonic()
advanced = None
while delivered() < count:
    if time.monotonic() - started > 300:
        sys.exit(f"only {delivered()} of {count} delivered in 300 s")
    if advanced is None and metric("flowdesk_participants_advanced_total") >= count:
        advanced = time.monotonic()
    time.sleep(0.05)
finished = time.monotonic()
cpu_used = cpu_seconds() - cpu_started
# Where the time went, for whoever reads the run: enrolling, the scheduler's steps, sending.
print(
    f"enrolled in {enrolled - started:.2f} s, all advanced after {(advanced or finished) - started:.2f} s, "
    f"all delivered after {finished - started:.2f} s, "
    f"{metric('flowdesk_deliveries_retried_total')} attempts retried",
    file=sys.stderr)
if pid is not None:
    print(
        f"flowdesk used {cpu_used:.2f} s of CPU: {1e6 * cpu_used / count:.0f} us per message "
        "(enrolling, advancing and delivering it)",
        file=sys.stderr)
print(f"{count / (finished - started):.0f}")
