"""Reads flowdesk's SARIF and TBX output with outside readers, and fails on any error.

Usage: read-outputs.py FINDINGS.sarif TERMBASE.tbx [UNREAD.sarif]
- The SARIF log is validated by sarif-pydantic's model of SARIF 2.1.0.
- UNREAD.sarif, a check that could read no file: the run has no results, and its invocation
  carries a warning notification that says how many files were not read (sarif-pydantic's model
  of an invocation has no notifications field, and keeps the field as written).
- The TBX file is read by translate-toolkit's tbx storage class.
"""
import sys

from sarif_pydantic import Sarif
from translate.storage import tbx

sarif_path, tbx_path = sys.argv[1], sys.argv[2]
unread_path = sys.argv[3] if len(sys.argv) > 3 else None

with open(sarif_path, encoding="utf-8") as handle:
    log = Sarif.model_validate_json(handle.read())
assert log.version == "2.1.0", log.version
results = [result for run in log.runs for result in (run.results or [])]
assert results, "the SARIF log has no results"
for result in results:
    assert result.rule_id, result
    location = result.locations[0].physical_location
    assert location.artifact_location.uri, result
print(f"sarif-pydantic: {len(results)} results read from {sarif_path}")

with open(tbx_path, "rb") as handle:
    store = tbx.tbxfile(handle.read())
ids = sorted(unit.getid() for unit in store.units)
expected = sorted(
    ["flow.notRunning", "flow.running", "flow.paused"]
    + [f"participant.{s}" for s in ["queued", "active", "finished", "finishedWithSuccess", "droppedOut", "cancelled"]]
)
assert ids == expected, ids
sources = {unit.getid(): unit.source for unit in store.units}
assert sources["participant.droppedOut"] == "Dropped out", sources
print(f"translate-toolkit: {len(store.units)} term entries read from {tbx_path}")

if unread_path:
    with open(unread_path, encoding="utf-8") as handle:
        unread = Sarif.model_validate_json(handle.read())
    run = unread.runs[0]
    assert not run.results, run.results
    invocation = run.invocations[0]
    assert invocation.execution_successful is True, invocation
    # sarif-pydantic's model has no field for notifications; it keeps them as written.
    notifications = (invocation.model_extra or {}).get("toolExecutionNotifications")
    assert notifications and notifications[0]["level"] == "warning", notifications
    text = notifications[0]["message"]["text"]
    assert text.startswith("1 file(s) not read as articles, so not checked"), text
    print(f"sarif-pydantic: the unread file is a tool notification: {text}")
