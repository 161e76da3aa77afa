"""Reads flowdesk's XLIFF catalogs with translate-toolkit, as a translator's tools would.

Usage: read-catalogs.py FLOWDESK LOCALES
- Every unit of locales/nl.xliff and locales/sv.xliff is translated and approved, so that
  editors built on translate-toolkit do not show it as fuzzy.
- pofilter's placeholder check (pythonbraceformat) finds nothing, and does find a {name}
  dropped from a copy (so the check can fail).
- A unit that translate-toolkit marks fuzzy, with a translator's note, is reported by
  `flowdesk locales status` as waiting for review; `flowdesk locales review` approves it again,
  and neither it nor `flowdesk locales export` loses the note.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from translate.storage import xliff

flowdesk, locales = sys.argv[1], sys.argv[2]
pofilter = os.path.join(os.path.dirname(sys.executable), "pofilter")


def units(path):
    with open(path, "rb") as handle:
        store = xliff.xlifffile(handle.read())
    return store, [unit for unit in store.units if not unit.isheader()]


def local_id(unit):
    # translate-toolkit prefixes the file's `original` and a separator to each id.
    return unit.getid().split("\x04")[-1]


def pofilter_findings(path, work):
    out = os.path.join(work, "pofilter-" + os.path.basename(path))
    if os.path.exists(out):
        os.remove(out)
    subprocess.run([pofilter, "--progress=none", "-t", "pythonbraceformat", path, out], check=True)
    if not os.path.exists(out):
        return []
    _, found = units(out)
    return [(local_id(unit), unit.getnotes(origin="pofilter")) for unit in found]


def status(folder):
    result = subprocess.run(
        [flowdesk, "locales", "status", "--locales", folder, "--format", "json"],
        check=False, capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr
    return {entry["language"]: entry for entry in json.loads(result.stdout)}


work = tempfile.mkdtemp()
try:
    for language in ["nl", "sv"]:
        path = os.path.join(locales, f"{language}.xliff")
        store, found = units(path)
        assert found, f"{path}: translate-toolkit read no units"
        fuzzy = [local_id(unit) for unit in found if unit.isfuzzy()]
        assert not fuzzy, f"{path}: translate-toolkit reads {len(fuzzy)} units as fuzzy: {fuzzy[:5]}"
        untranslated = [local_id(unit) for unit in found if not unit.istranslated()]
        assert not untranslated, f"{path}: untranslated for translate-toolkit: {untranslated[:5]}"
        findings = pofilter_findings(path, work)
        assert not findings, f"{path}: pofilter: {findings[:5]}"

        # A copy with one {name} dropped from a translation: pofilter must say so.
        with_placeholder = next(unit for unit in found if "{" in unit.source and "{" in unit.target)
        name = with_placeholder.target[with_placeholder.target.index("{"):with_placeholder.target.index("}") + 1]
        with_placeholder.target = with_placeholder.target.replace(name, "")
        broken = os.path.join(work, f"broken-{language}.xliff")
        with open(broken, "wb") as handle:
            handle.write(bytes(store))
        flagged = pofilter_findings(broken, work)
        assert [unit for unit, _ in flagged] == [local_id(with_placeholder)], flagged

        # An editor marks one translation fuzzy: flowdesk sees it waits for review.
        folder = os.path.join(work, f"locales-{language}")
        shutil.copytree(locales, folder)
        store, found = units(path)
        marked = next(unit for unit in found if local_id(unit).endswith(".message"))
        marked.markfuzzy(True)
        note = "Checked against the style guide; the product name stays in English."
        marked.addnote(note, origin="translator")
        with open(os.path.join(folder, f"{language}.xliff"), "wb") as handle:
            handle.write(bytes(store))
        report = status(folder)[language]
        waiting = [entry["id"] for entry in report["needsReview"]]
        assert waiting == [local_id(marked)], report
        # Reviewed with flowdesk: approved again for translate-toolkit.
        subprocess.run(
            [flowdesk, "locales", "review", language, local_id(marked), "--locales", folder],
            check=True, capture_output=True)
        _, again = units(os.path.join(folder, f"{language}.xliff"))
        assert not [unit for unit in again if unit.isfuzzy()], "still fuzzy after locales review"
        assert status(folder)[language]["needsReview"] == []
        subprocess.run([flowdesk, "locales", "export", "--locales", folder], check=True, capture_output=True)
        _, exported = units(os.path.join(folder, f"{language}.xliff"))
        kept = next(unit for unit in exported if local_id(unit) == local_id(marked))
        assert kept.getnotes(origin="translator") == note, kept.getnotes()
        assert not kept.isfuzzy()
        print(
            f"translate-toolkit: {len(found)} units of {path} approved; pofilter flags a dropped "
            f"{name}; a unit marked fuzzy is reported for review, approved by locales review, and "
            "keeps its note through review and export")
finally:
    shutil.rmtree(work)
