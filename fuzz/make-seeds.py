#!/usr/bin/env python3
"""Writes the seed corpora (fuzz/seeds/<target>/) from the test fixtures.

Run from anywhere: python3 fuzz/make-seeds.py. The seeds are committed; the
fuzzer's own finds stay out of git (see .gitignore) unless promoted by hand.
"""
import hashlib
import pathlib

here = pathlib.Path(__file__).resolve().parent
fixture = here.parent / "tests" / "fixtures" / "basic"
content = fixture / "content"

# Must match FILES in fuzz_targets/site.rs.
FILES = [
    "content/incidents/license-expired.md",
    "content/incidents/slow-website.md",
    "content/incidents/mirror-maintenance.md",
    "content/letters/open-letter.md",
    "content/letters/second.md",
    "content/pages/downloads.md",
    "content/pages/about.md",
    "content/index.md",
    "site.toml",
    "content/incidents/Bad Name.md",
]


def write(target, data):
    d = here / "seeds" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def site(*files):
    """A site input: (kind, bytes) chunks joined by the \\0\\0 separator."""
    return b"\0\0".join(bytes([FILES.index(name)]) + data for name, data in files)


texts = {p.relative_to(fixture).as_posix(): p.read_bytes() for p in content.rglob("*.md")}
for name, data in texts.items():
    write("frontmatter", data)
    write("frontmatter", data.replace(b"\n", b"\r\n"))
    write("frontmatter", b"\xef\xbb\xbf" + data)
write("frontmatter", b"---\na: &a [x,x]\nb: [*a,*a]\n---\n")
write("frontmatter", b"---\ntitle: never closes\n")

inc = lambda n: texts[f"content/incidents/{n}.md"]
whole = [
    ("content/incidents/license-expired.md", inc("license-expired")),
    ("content/incidents/slow-website.md", inc("slow-website")),
    ("content/incidents/mirror-maintenance.md", inc("mirror-maintenance")),
    ("content/letters/open-letter.md", texts["content/letters/open-letter.md"]),
    ("content/pages/downloads.md", texts["content/pages/downloads.md"]),
    ("content/pages/about.md", texts["content/pages/about.md"]),
    ("content/index.md", texts["content/index.md"]),
]
write("site", site(*whole))
write("site", site(*whole, ("site.toml", (fixture / "site.toml").read_bytes())))
write("site", site(("content/incidents/license-expired.md", inc("db-maintenance"))))
write("site", site(("content/incidents/slow-website.md", inc("secret-draft"))))
write("site", site(("content/incidents/Bad Name.md", inc("2008-07-02-old-outage"))))
write("site", site(("content/letters/open-letter.md", texts["content/letters/open-letter.md"])))

# update: [flags] message \0\0 note (see fuzz_targets/update.rs).
workflow = here.parent / "tests" / "fixtures" / "workflow" / "content" / "incidents"
notes = [p.read_bytes() for p in sorted(workflow.glob("*.md"))]
notes += [inc("license-expired"), inc("slow-website"), inc("db-maintenance")]
notes.append(b"---\ntitle: x\ndate: 2008-08-12T06:00:00Z\nseverity: minor\naffected: [website]\n"
             b"updates:\n- at: 2008-08-12T06:30:00Z\n  status: investigating\n"
             b"  message: |+\n    kept\n\n---\n")
messages = [
    b"Fixed.",
    b"two\nlines: yes\n\n- a list",
    b"  leading blanks\nthen text",
    b"quote \" back \\ hash # colon: x",
    b"odd \xe2\x80\xa8 line \xc2\x85 breaks \xef\xbb\xbf bom \xef\xbf\xbe",
    b"tab\there\r\ncrlf",
]
for i, note in enumerate(notes):
    for j, message in enumerate(messages):
        if (i + j) % 2 == 0:
            write("update", bytes([(i + j) % 8]) + message + b"\0\0" + note)
    write("update", bytes([0x80 | 4]) + b"Reopened.\0\0" + note.replace(b"\n", b"\r\n"))

# frontmatter_fast: every fixture's front matter (whole file, and the YAML
# alone), Windows line endings, and the forms `upfront new`/`update` write.
fixtures = here.parent / "tests" / "fixtures"
for p in sorted(fixtures.rglob("*.md")):
    data = p.read_bytes()
    parts = data.split(b"---\n", 2)
    if len(parts) == 3 and parts[0] == b"":
        write("frontmatter_fast", parts[1])
        write("frontmatter_fast", parts[1].replace(b"\n", b"\r\n"))
    write("frontmatter_fast", data)
for form in [
    b'title: "Login \\"failures\\" #1 \\u00e9\\U0001F600\\t"\ndate: 2008-08-12T10:00:00Z\n'
    b"severity: minor\naffected: [website, api]\nsummary: \"ok\"\nupdates:\n"
    b"  - at: 2008-08-12T10:00:00+02:00\n    status: monitoring\n    message: |-\n"
    b"      line one\n\n      - a list: yes\n        # not a comment\n",
    b"title: 'it''s'\nnotices: []   # ids\nslug: ~\ndraft: true   # publish later\n",
    b"title: plain, with: colons#and hashes # a comment\naffected:\n- a\n- 'b'\n"
    b"updates:\n-   at: 1\n    message: |\n      kept\n\n    status: x\n",
    b"title: a\nincidents: [2009-02-27-license-activation-failures]\nauthor: \"Jane\"\n",
]:
    write("frontmatter_fast", form)
