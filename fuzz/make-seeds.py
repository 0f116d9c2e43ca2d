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
