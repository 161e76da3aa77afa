#!/usr/bin/env python3
"""A bounded stateful run of the HTTP service that checks the engine's invariants through the API.

It starts `flowdesk serve` on a free loopback port with a new data folder, then runs a seeded
random sequence of steps: create a flow, start, pause, resume, end, delete, edit (PUT and
PATCH, with a fresh, a stale (the flow's first), a wildcard or no If-Match), enroll one contact
or several (and re-enroll), change and erase contacts, record their actions, and let time pass
(the service runs on the system clock and has no test clock, so "advancing time" is a short
real wait: the flows' waits are about two seconds long, and the scheduler runs four times a
second). After every step it reads, through the API only:

- every participant of every flow is listed once, with one known status, and a reason exactly
  when dropped out; each status filter (?status=) lists a part of them and the parts add up to
  the whole list (the list is read in small pages, following X-Next-Cursor);
- the flow's counts (GET /v1/flows/{id}) and X-Total-Count equal a recount of that list;
- no participant of a flow that was paused at the last read and is paused now has moved (its
  status, step and attempt), unless the step enrolled or erased it, or removed its step;
- no outbox message (GET /v1/outbox, followed by its `next` cursors) is listed twice, or comes
  back after it had gone: its id is its idempotency key, flow/contact/step/vVERSION/attempt;
- every refusal is an application/problem+json document whose `code` (and each code in
  `reasons`, in a bulk enrollment's results and in a drop-out's reason) GET /v1/codes/{code}
  explains in en, nl and sv, each in its own language (title, message, meaning and resolution,
  a help link in that language that resolves to a page with the code's section), and no
  answer is a 5xx.

A running flow changes while it is read; its reads are repeated until its counts are the same
before and after (a participant's status only changes one way without a call, so equal counts
mean a consistent read), and a read that never settles is counted, not judged.

On a failure it prints the seed and the sequence, shortened: the steps after the failing one
are dropped, then steps are removed while it still fails the same check (each try replays on
the same service with new flows and contacts, running only the check that failed, within
--shrink-seconds), and exits 1.

    .ci/stateful.py --flowdesk PATH [--seed N] [--steps N] [--url URL --token T]

Standard library only.
"""

import argparse
import base64
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

LANGUAGES = ("en", "nl", "sv")
CONTACTS = 6
ACTIONS = ("emailOpened", "clicked")

SETTINGS = {
    "emailFrom": "news@example.com",
    "emailReplyTo": "help@example.com",
    "smsSender": "Flowdesk",
    "subscriptionType": "newsletter",
}

# Every kind of step; the waits are short, so that a wait step of the sequence lets them pass.
STEPS = [
    {"id": "hello", "type": "sendEmail", "subject": "Hello {{contact.firstName}}"},
    {"id": "await", "type": "waitForAction", "action": "emailOpened", "timeoutHours": 0.0006},
    {
        "id": "split",
        "type": "split",
        "branches": [{"id": "nl", "condition": {"property": "country", "equals": "NL"}}],
        "everyoneElse": {"exit": False},
    },
    {"id": "text", "type": "sendSMS", "text": "Hi"},
    {"id": "mark", "type": "updateContact", "property": "welcomed", "set": "yes"},
    {"id": "rest", "type": "waitTime", "minutes": 0.03},
    {"id": "again", "type": "sendEmail", "subject": "Again"},
    {"id": "done", "type": "finish"},
]


def steps_without(*ids):
    return [s for s in STEPS if s["id"] not in ids]


def long_rest():
    steps = [dict(s) for s in STEPS]
    for s in steps:
        if s["id"] == "rest":
            s.pop("minutes")
            s["hours"] = 1
    return steps


# Definitions to create and edit to: every kind of step, versions with steps removed (edits meet
# the guard on steps that hold participants), a long wait (participants stay put), and one
# without a reply-to address (its start is refused).
VARIANTS = [
    {"name": "Full", "settings": SETTINGS, "trigger": {}, "steps": STEPS},
    {"name": "No rest", "settings": SETTINGS, "trigger": {}, "steps": steps_without("rest")},
    {
        "name": "Short",
        "settings": SETTINGS,
        "trigger": {"onlyOnce": True},
        "successCriterion": {"property": "lifecycleStage", "equals": "customer"},
        "steps": [s for s in STEPS if s["id"] in ("hello", "rest", "done")],
    },
    {
        "name": "No reply-to",
        "settings": {k: v for k, v in SETTINGS.items() if k != "emailReplyTo"},
        "trigger": {},
        "steps": STEPS,
    },
    {"name": "Long rest", "settings": SETTINGS, "trigger": {}, "steps": long_rest()},
]

CHANGES = (
    "revokeConsent", "grantConsent", "unsubscribe", "subscribe", "removeEmail", "shareEmail", "bounce",
    "formerEmployee", "moveToSweden", "moveToNetherlands", "becomeCustomer", "removeMobile", "erase",
    "reset", "reset", "reset",
)
ETAGS = ("fresh", "fresh", "first", "none", "any")


class Violation(Exception):
    def __init__(self, check, message):
        super().__init__(f"{check}: {message}")
        self.check = check


# ---------------------------------------------------------------------------------------------
# Steps


def random_step(rng):
    # 0 is the newest flow that is not deleted, 1 the one before; -1 a deleted or unknown one;
    # -2 the running flow with the most active participants (so that pauses catch some waiting).
    flow = -1 if rng.randrange(25) == 0 else rng.choice((0, 0, 0, 1, 1, 2, -2, -2))
    contact = rng.randrange(CONTACTS)
    roll = rng.randrange(100)
    if roll < 7:
        return ("create", rng.randrange(len(VARIANTS)), rng.randrange(3) > 0)
    if roll < 30:
        action = rng.choice(("start", "start", "start", "pause", "pause", "resume", "resume", "end", "delete"))
        return ("lifecycle", action, flow, rng.choice(ETAGS))
    if roll < 38:
        return ("edit", flow, rng.randrange(len(VARIANTS)), rng.choice(("PUT", "PATCH")), rng.choice(ETAGS))
    if roll < 55:
        return ("enroll", contact, flow, rng.randrange(6) == 0)
    if roll < 61:
        count = rng.randrange(1, CONTACTS + 1)
        return ("bulk", tuple(sorted(rng.sample(range(CONTACTS), count))), flow, rng.randrange(6) == 0)
    if roll < 67:
        return ("action", contact, rng.choice(ACTIONS))
    if roll < 80:
        return ("contact", contact, rng.choice(CHANGES))
    return ("wait", rng.choice((0, 0.3, 0.8, 1.6, 2.5)))


def flow_name(index):
    if index == -2:
        return "the busiest running flow"
    return "a deleted or unknown flow" if index < 0 else ("the newest flow", "the flow before it", "the third newest flow")[index]


def describe(step):
    kind = step[0]
    if kind == "create":
        return f"create a flow ({VARIANTS[step[1]]['name']}){' and start it' if step[2] else ''}"
    if kind == "lifecycle":
        return f"{step[1]} {flow_name(step[2])} (If-Match: {step[3]})"
    if kind == "edit":
        return f"{step[3]} {flow_name(step[1])} to {VARIANTS[step[2]]['name']} (If-Match: {step[4]})"
    if kind == "enroll":
        return f"{'re-enroll' if step[3] else 'enroll'} c{step[1]} in {flow_name(step[2])}"
    if kind == "bulk":
        names = ", ".join(f"c{c}" for c in step[1])
        return f"bulk {'re-enroll' if step[3] else 'enroll'} [{names}] in {flow_name(step[2])}"
    if kind == "action":
        return f"c{step[1]} performs {step[2]}"
    if kind == "contact":
        return f"c{step[1]}: {step[2]}"
    return f"wait {step[1]} s"


# ---------------------------------------------------------------------------------------------
# HTTP


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body) if self.body else None


class Client:
    def __init__(self, url, token):
        parsed = urllib.parse.urlsplit(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.token = token
        self.connection = None
        self.requests = 0
        self.explained = {}

    def call(self, method, path, body=None, headers=None, content_type="application/json"):
        all_headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            all_headers["Content-Type"] = content_type
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=data, headers=all_headers)
                response = self.connection.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        self.requests += 1
        answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        self.check_answer(method, path, answer)
        return answer

    def check_answer(self, method, path, answer):
        if answer.status >= 500:
            raise Violation("no 5xx", f"{method} {path} answered {answer.status}: {answer.body[:300]!r}")
        if answer.status < 400:
            return
        kind = answer.header("content-type") or ""
        if not kind.startswith("application/problem+json"):
            raise Violation("refusals", f"{method} {path} answered {answer.status} as {kind!r}")
        problem = answer.json()
        if problem.get("status") != answer.status:
            raise Violation("refusals", f"{method} {path}: status {problem.get('status')} in a {answer.status}")
        self.check_code(problem.get("code"), f"{method} {path} ({answer.status})")
        for reason in problem.get("reasons") or []:
            self.check_code(reason.get("code"), f"a reason of {method} {path}")

    def check_code(self, code, where):
        """The code is explained in every language, each in its own (checked once per code)."""
        if not isinstance(code, str) or not re.fullmatch(r"FD[0-9]{4}", code):
            raise Violation("refusals", f"{where}: no code ({code!r})")
        if code in self.explained:
            if self.explained[code]:
                raise Violation("refusals", f"{where}: {code} {self.explained[code]}")
            return
        self.explained[code] = None
        english = None
        for language in LANGUAGES:
            answer = self.call("GET", f"/v1/codes/{code}?lang={language}")
            view = answer.json() if answer.status == 200 else {}
            gap = None
            if answer.status != 200:
                gap = f"is not found in {language} ({answer.status})"
            elif view.get("language") != language:
                gap = f"is explained in {view.get('language')} when {language} is asked for"
            elif not all(view.get(k) for k in ("title", "message", "meaning", "resolution")):
                gap = f"has no title, message, meaning or resolution in {language}"
            elif not (view.get("help") or "").startswith(f"/help/{language}/"):
                gap = f"has no help page in {language} ({view.get('help')})"
            elif language == "en":
                english = view
            elif view["meaning"] == english["meaning"] or view["resolution"] == english["resolution"]:
                gap = f"has its meaning or resolution in English when {language} is asked for"
            if gap is None:
                page, _, anchor = view["help"].partition("#")
                html = self.call("GET", page)
                if html.status != 200 or f'id="{anchor}"' not in html.body.decode("utf-8", "replace"):
                    gap = f"has a help link {view['help']} that is not a page with that section"
            if gap:
                self.explained[code] = gap
                raise Violation("refusals", f"{where}: {code} {gap}")


# ---------------------------------------------------------------------------------------------
# The run


class Run:
    """One sequence, on flows and contacts of its own (contact ids start with `prefix`)."""

    def __init__(self, client, prefix, statuses, only=None):
        self.client = client
        self.only = only  # while shrinking: only the check that failed, which is quicker
        self.prefix = prefix
        self.statuses = statuses
        self.flows = []  # ids in creation order; deleted ones stay, so indexes keep their meaning
        self.deleted = set()
        self.etags = {}
        self.contacts = {i: self.new_contact(i) for i in range(CONTACTS)}
        self.erased = set()
        self.paused_before = {}  # flow id -> participants when it was last read paused
        self.outbox_seen = set()
        self.outbox_gone = set()
        self.unsettled = 0
        self.recounted = 0  # participants recounted, over all checks
        self.held_still = 0  # participants of a paused flow compared with the read before
        self.refusals = 0
        self.outcomes = {}
        for i in range(CONTACTS):
            self.put_contact(i)

    def contact_id(self, i):
        return f"{self.prefix}c{i}"

    def new_contact(self, i):
        return {
            "email": f"{self.prefix}c{i}@example.com",
            "mobile": f"+467000000{i:02d}",
            "consent": True,
            "subscriptions": ["newsletter"],
            "properties": {"country": "NL" if i % 2 == 0 else "SE", "firstName": f"C{i}"},
            "language": LANGUAGES[i % 3],
        }

    def put_contact(self, i):
        return self.client.call("PUT", f"/v1/contacts/{urllib.parse.quote(self.contact_id(i))}", self.contacts[i])

    def flow_id(self, index):
        live = [f for f in self.flows if f not in self.deleted]
        if index == -2:
            flows = self.client.call("GET", "/v1/flows").json()["flows"]
            busy = [(f["participants"].get("active", 0), f["id"]) for f in flows
                    if f["id"] in live and f["status"]["code"] == "running"]
            if busy:
                return max(busy)[1]
            index = 0
        if index < 0 or not live:
            return sorted(self.deleted)[0] if self.deleted else "flow-none"
        return live[-1 - index % len(live)]

    def if_match(self, flow, mode):
        if mode == "none":
            return {}
        if mode == "any":
            return {"If-Match": "*"}
        if mode == "first":  # the tag the flow had when it was created: stale once it changed
            return {"If-Match": self.etags.get(flow, '"1-notRunning"')}
        answer = self.client.call("GET", f"/v1/flows/{flow}")
        return {"If-Match": answer.header("etag")} if answer.status == 200 else {}

    def remember(self, flow, answer):
        if answer.status == 201 and answer.header("etag"):
            self.etags.setdefault(flow, answer.header("etag"))

    # The step itself. Returns what the paused check may let move: {flow: contacts or "steps"}.
    def perform(self, step):
        kind = step[0]
        exempt = {}
        answer = None
        if kind == "create":
            definition = VARIANTS[step[1]]
            answer = self.client.call("POST", "/v1/flows", definition)
            if answer.status == 201:
                flow = answer.json()["id"]
                self.flows.append(flow)
                self.remember(flow, answer)
                if step[2]:
                    self.count(outcome(answer))
                    answer = self.client.call("POST", f"/v1/flows/{flow}/start")
        elif kind == "lifecycle":
            _, action, index, mode = step
            flow = self.flow_id(index)
            headers = self.if_match(flow, mode)
            path = f"/v1/flows/{flow}" if action == "delete" else f"/v1/flows/{flow}/{action}"
            answer = self.client.call("DELETE" if action == "delete" else "POST", path, headers=headers)
            self.remember(flow, answer)
            if action == "delete" and answer.status == 204:
                self.deleted.add(flow)
        elif kind == "edit":
            _, index, variant, method, mode = step
            flow = self.flow_id(index)
            headers = self.if_match(flow, mode)
            definition = VARIANTS[variant]
            if method == "PUT":
                answer = self.client.call("PUT", f"/v1/flows/{flow}", definition, headers)
            else:
                # A merge patch: the steps (an array is replaced whole) and each setting, with
                # null for the ones the variant leaves out.
                settings = {k: definition["settings"].get(k) for k in SETTINGS}
                patch = {"name": definition["name"], "settings": settings, "steps": definition["steps"]}
                answer = self.client.call(
                    "PATCH", f"/v1/flows/{flow}", patch, headers, content_type="application/merge-patch+json")
            self.remember(flow, answer)
            exempt[flow] = "steps"
        elif kind in ("enroll", "bulk"):
            _, who, index, reenroll = step
            flow = self.flow_id(index)
            contacts = [who] if kind == "enroll" else list(who)
            ids = [self.contact_id(c) for c in contacts]
            body = {"contactId": ids[0]} if kind == "enroll" else {"contactIds": ids}
            if reenroll:
                body["reenroll"] = True
            answer = self.client.call("POST", f"/v1/flows/{flow}/enrollments", body)
            exempt[flow] = set(ids)
            if kind == "bulk" and answer.status == 200:
                results = answer.json()
                if [r["contactId"] for r in results["results"]] != ids:
                    raise Violation("bulk enrollment", f"results for {[r['contactId'] for r in results['results']]}")
                refused = [r for r in results["results"] if not r["enrolled"]]
                if results["refused"] != len(refused) or results["enrolled"] != len(ids) - len(refused):
                    raise Violation("bulk enrollment", f"counts {results['enrolled']}/{results['refused']} disagree")
                for r in results["results"]:
                    if r["enrolled"] != (r.get("problem") is None):
                        raise Violation("bulk enrollment", f"{r['contactId']}: enrolled and a problem, or neither")
                    if r.get("problem"):
                        self.client.check_code(r["problem"].get("code"), f"bulk enrollment of {r['contactId']}")
                        self.count(f"bulk refusal {r['problem']['code']}")
        elif kind == "action":
            _, contact, action = step
            answer = self.client.call(
                "POST", f"/v1/contacts/{urllib.parse.quote(self.contact_id(contact))}/actions", {"action": action})
        elif kind == "contact":
            _, i, change = step
            if change == "erase":
                answer = self.client.call("DELETE", f"/v1/contacts/{urllib.parse.quote(self.contact_id(i))}")
                if answer.status == 200:
                    self.erased.add(self.contact_id(i))
                    for flow in self.flows:
                        exempt[flow] = {self.contact_id(i)}
            else:
                self.change_contact(i, change)
                answer = self.put_contact(i)
        else:
            time.sleep(step[1])
        if answer is not None:
            self.count(outcome(answer))
        return exempt

    def count(self, outcome):
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def change_contact(self, i, change):
        contact = self.contacts[i]
        if change == "revokeConsent":
            contact["consent"] = False
        elif change == "grantConsent":
            contact["consent"] = True
        elif change == "unsubscribe":
            contact["subscriptions"] = []
        elif change == "subscribe":
            contact["subscriptions"] = ["newsletter"]
        elif change == "removeEmail":
            contact["email"] = None
        elif change == "shareEmail":
            contact["email"] = self.contacts[(i + 1) % CONTACTS]["email"]
        elif change == "bounce":
            contact["emailBounced"] = True
        elif change == "formerEmployee":
            contact["formerEmployee"] = True
        elif change == "moveToSweden":
            contact["properties"]["country"] = "SE"
        elif change == "moveToNetherlands":
            contact["properties"]["country"] = "NL"
        elif change == "becomeCustomer":
            contact["lifecycleStage"] = "customer"
        elif change == "removeMobile":
            contact["mobile"] = None
        elif change == "reset":
            self.contacts[i] = self.new_contact(i)

    # The checks after every step.
    def check(self, exempt):
        if self.only in ("refusals", "no 5xx", "bulk enrollment"):
            return  # answers are checked as they arrive
        flows = [f for f in self.flows if f not in self.deleted]
        if self.only == "paused":
            listed = {f["id"]: f["status"]["code"] for f in self.client.call("GET", "/v1/flows").json()["flows"]}
            for flow in flows:
                if listed.get(flow) != "paused":
                    self.paused_before.pop(flow, None)
            flows = [f for f in flows if listed.get(f) == "paused"]
        if self.only != "outbox":
            for flow in flows:
                self.check_flow(flow, exempt.get(flow))
        if self.only in (None, "outbox"):
            self.check_outbox(exempt)

    def read_participants(self, flow, status=None):
        """Every participant, a small page at a time, following X-Next-Cursor."""
        rows = []
        query = {"limit": 2}
        if status:
            query["status"] = status
        total = None
        for _ in range(10_000):
            answer = self.client.call("GET", f"/v1/flows/{flow}/participants?{urllib.parse.urlencode(query)}")
            if answer.status != 200:
                raise Violation("participants", f"{flow}: the list answered {answer.status}")
            if total is None and answer.header("x-total-count") is not None:
                total = int(answer.header("x-total-count"))
            rows += answer.json()
            cursor = answer.header("x-next-cursor")
            if not cursor:
                return rows, total
            query["cursor"] = cursor
        raise Violation("participants", f"{flow}: the cursors never end")

    def snapshot(self, flow):
        first = self.client.call("GET", f"/v1/flows/{flow}")
        if first.status != 200:
            raise Violation("flows", f"{flow} answered {first.status} while not deleted")
        rows, total = self.read_participants(flow)
        counts = {s: n for s, n in (first.json().get("participants") or {}).items() if n}
        parts = {s: self.read_participants(flow, s) for s in sorted(set(counts) | {r["status"]["code"] for r in rows})}
        last = self.client.call("GET", f"/v1/flows/{flow}")
        if last.status != 200:
            raise Violation("flows", f"{flow} answered {last.status} while not deleted")
        before, after = first.json(), last.json()
        settled = (before["status"], before.get("participants")) == (after["status"], after.get("participants"))
        return settled, after, rows, total, parts, counts

    def check_flow(self, flow, exempt):
        for attempt in range(12):
            settled, view, rows, total, parts, counts = self.snapshot(flow)
            if settled:
                break
            time.sleep(0.1)
        else:
            self.unsettled += 1
            self.paused_before.pop(flow, None)
            return
        status = view["status"]["code"]
        # Every participant once, in one known status, with a reason exactly when dropped out.
        seen = {}
        for row in rows:
            contact, code = row["contactId"], row["status"]["code"]
            if contact in seen:
                raise Violation("one status", f"{flow}: {contact} is listed twice ({seen[contact]['status']['code']}, {code})")
            seen[contact] = row
            if code not in self.statuses:
                raise Violation("one status", f"{flow}: {contact} has an unknown status {code!r}")
            if (code == "droppedOut") != (row.get("reason") is not None):
                raise Violation("one status", f"{flow}: {contact} is {code} with reason {row.get('reason')}")
            if row.get("reason"):
                self.client.check_code(row["reason"].get("code"), f"{flow}: the reason {contact} dropped out")
        # Each status filter lists a part; the parts are the whole list and do not overlap.
        for code, (part, part_total) in parts.items():
            for row in part:
                if row["status"]["code"] != code:
                    raise Violation("one status", f"{flow}: ?status={code} lists {row['contactId']} as {row['status']['code']}")
                if seen.get(row["contactId"], {}).get("status", {}).get("code") != code:
                    raise Violation("one status", f"{flow}: ?status={code} lists {row['contactId']}, the list has it otherwise")
            if part_total != len(part):
                raise Violation("counts", f"{flow}: ?status={code} has X-Total-Count {part_total} for {len(part)} rows")
        if sum(len(p) for p, _ in parts.values()) != len(rows):
            raise Violation("one status", f"{flow}: the status filters list {sum(len(p) for p, _ in parts.values())} of {len(rows)}")
        # The counts equal a recount.
        recount = {}
        for row in rows:
            recount[row["status"]["code"]] = recount.get(row["status"]["code"], 0) + 1
        if counts != recount:
            raise Violation("counts", f"{flow}: counts {counts} but a recount of the list gives {recount}")
        if total != len(rows):
            raise Violation("counts", f"{flow}: X-Total-Count {total} for {len(rows)} participants")
        self.recounted += len(rows)
        # No participant of a flow paused at the last read and now has moved.
        now = {c: (r["status"]["code"], r.get("stepId"), r.get("attempt")) for c, r in seen.items()}
        earlier = self.paused_before.get(flow)
        if status == "paused" and earlier is not None:
            steps = {s["id"] for s in view.get("steps", [])}
            for contact, state in now.items():
                if isinstance(exempt, set) and contact in exempt:
                    continue
                old = earlier.get(contact)
                if old is None:
                    raise Violation("paused", f"{flow} is paused, yet {contact} appeared as {state}")
                moved_step = old[1] != state[1] and not (exempt == "steps" and old[1] not in steps)
                if old[0] != state[0] or moved_step or old[2] != state[2]:
                    raise Violation("paused", f"{flow} is paused, yet {contact} moved from {old} to {state}")
                self.held_still += 1
            for contact in earlier:
                if contact not in now and not (isinstance(exempt, set) and contact in exempt):
                    raise Violation("paused", f"{flow} is paused, yet {contact} is no longer listed")
        if status == "paused":
            self.paused_before[flow] = now
        else:
            self.paused_before.pop(flow, None)

    def check_outbox(self, exempt):
        """Every message once: listed once, and never back once it has gone."""
        listed = {}
        query = {"limit": 7}
        for _ in range(100_000):
            answer = self.client.call("GET", f"/v1/outbox?{urllib.parse.urlencode(query)}")
            if answer.status != 200:
                raise Violation("outbox", f"the outbox answered {answer.status}")
            page = answer.json()
            for message in page["messages"]:
                if message["flowId"] not in self.flows:
                    continue
                if message["id"] in listed:
                    raise Violation("outbox", f"{key_of(message['id'])} is listed twice")
                key = key_of(message["id"])
                parts = key.split("/") if key else []
                if len(parts) != 5 or parts[:3] != [message["flowId"], message["contactId"], message["stepId"]]:
                    raise Violation("outbox", f"message {message['id']} has the key {key!r}")
                if not re.fullmatch(r"v[0-9]+", parts[3]) or not parts[4].isdigit():
                    raise Violation("outbox", f"message key {key!r} has no version or attempt")
                if message["id"] in self.outbox_gone:
                    raise Violation("outbox", f"{key} was sent again after it had gone")
                listed[message["id"]] = message
            if not page.get("next"):
                break
            query["cursor"] = page["next"]
        for message_id in self.outbox_seen - set(listed):
            self.outbox_gone.add(message_id)
        self.outbox_seen |= set(listed)


def outcome(answer):
    return f"{answer.status}" if answer.status < 400 else f"{answer.status} {answer.json().get('code')}"


def key_of(message_id):
    if not message_id.startswith("msg_"):
        return None
    text = message_id[4:]
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except ValueError:
        return None


def replay(client, statuses, steps, prefix, only=None):
    """Runs the steps with the checks; returns (index of the failing step, Violation) or None."""
    run = Run(client, prefix, statuses, only)
    for index, step in enumerate(steps):
        try:
            exempt = run.perform(step)
            run.check(exempt)
        except Violation as violation:
            return index, violation, run
    return None, None, run


def shrink(client, statuses, steps, failure, budget, prefixes):
    """Drops steps after the failing one, then chunks and single steps while the same check fails."""
    index, violation = failure
    current = steps[: index + 1]
    deadline = time.monotonic() + budget
    chunk = max(len(current) // 2, 1)
    while chunk >= 1 and time.monotonic() < deadline:
        start, removed = 0, False
        while start < len(current) and time.monotonic() < deadline:
            candidate = current[:start] + current[start + chunk :]
            failed, again, _ = replay(client, statuses, candidate, next(prefixes), violation.check)
            if again is not None and again.check == violation.check:
                current, violation, removed = candidate[: failed + 1], again, True
            else:
                start += chunk
        if not removed:
            chunk //= 2
    return current, violation, time.monotonic() >= deadline


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_service(flowdesk, root):
    work = tempfile.mkdtemp(prefix="flowdesk-stateful-")
    port = free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ, FLOWDESK_ADMIN_TOKEN=token, LOG_LEVEL="warning")
    env.pop("FLOWDESK_WEBHOOK_URL", None)  # messages stay in the outbox
    log = open(os.path.join(work, "server.log"), "wb")
    process = subprocess.Popen(
        [flowdesk, "serve", "--host", "127.0.0.1", "--port", str(port), "--data", os.path.join(work, "data"),
         "--content", os.path.join(root, "content"), "--locales", os.path.join(root, "locales")],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if process.poll() is not None:
            log.close()
            sys.exit(f"flowdesk serve stopped before it answered /healthz:\n{open(log.name).read()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("flowdesk serve did not answer /healthz within 30 s")
    return process, url, token, work, log


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flowdesk", help="the flowdesk binary to start (or FLOWDESK_BIN)")
    parser.add_argument("--url", help="a service already running (with --token) instead")
    parser.add_argument("--token", help="its administrator token")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("STATEFUL_SEED", 1)))
    parser.add_argument("--steps", type=int, default=int(os.environ.get("STATEFUL_STEPS", 150)))
    parser.add_argument("--shrink-seconds", type=float, default=40)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    started = time.monotonic()

    process = work = log = None
    if args.url:
        url, token = args.url, args.token
    else:
        flowdesk = args.flowdesk or os.environ.get("FLOWDESK_BIN")
        if not flowdesk:
            sys.exit("give --flowdesk PATH (or FLOWDESK_BIN), or --url and --token")
        process, url, token, work, log = start_service(flowdesk, root)
    status = 0
    try:
        client = Client(url, token)
        states = client.call("GET", "/v1/states").json()
        statuses = {s["code"] for s in states["participantStatuses"]}
        rng = random.Random(args.seed)
        steps = [random_step(rng) for _ in range(args.steps)]
        tag = f"s{args.seed}-{secrets.token_hex(3)}-"
        prefixes = (f"{tag}r{n}-" for n in range(1, 1_000_000))
        failed, violation, run = replay(client, statuses, steps, f"{tag}r0-")
        seconds = time.monotonic() - started
        if violation is None:
            outcomes = ", ".join(f"{k}: {v}" for k, v in sorted(run.outcomes.items()))
            print(
                f"stateful run, seed {args.seed}: {len(steps)} steps on {len(run.flows)} flows and {CONTACTS} "
                f"contacts, {client.requests} requests, {len(run.outbox_seen)} outbox messages, "
                f"{len(client.explained)} codes checked in {', '.join(LANGUAGES)}; {run.recounted} participants "
                f"recounted, {run.held_still} compared while paused, {run.unsettled} reads of a running flow "
                f"that did not settle; all invariants held ({seconds:.1f} s)")
            print(f"  answers: {outcomes}")
        else:
            status = 1
            print(f"stateful run, seed {args.seed}: step {failed + 1} of {len(steps)} broke {violation}")
            print(f"  replay: .ci/stateful.py --seed {args.seed} --steps {args.steps}")
            shortened, last, out_of_time = shrink(
                client, statuses, steps, (failed, violation), args.shrink_seconds, prefixes)
            print(
                f"  shortened to {len(shortened)} steps{' (shrinking ran out of time)' if out_of_time else ''}; "
                f"the last one breaks {last}:")
            for number, step in enumerate(shortened, 1):
                print(f"    {number}. {describe(step)}")
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
            if status != 0 or process.returncode not in (0, -15):
                print("== server log (last 30 lines)")
                print("".join(open(log.name, errors="replace").readlines()[-30:]))
            shutil.rmtree(work, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
