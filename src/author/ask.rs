//! Asking a running `upfront serve` which slugs are taken, so that `new`
//! need not look at every note of a large section (on 10,000 notes that is
//! most of the command's time, and it competes with serve's rebuild for the
//! same cores).
//!
//! serve hears every save through its watcher, but a save made just before
//! the question may not have reached it yet. So the command first creates a
//! fence: an empty hidden file in the section's folder. serve answers only
//! once its watcher has reported that file's creation, and inotify reports
//! a watcher's events in the order they happened: every save made before
//! the fence has been heard by then. Linux only, for that reason (with
//! `--poll`, or on other systems, serve does not answer).
//!
//! The answer only saves time: no serve, a stale socket, a fence not heard
//! in time, anything unexpected, and the command reads the folder itself.
//!
//! Both sides speak lines over a Unix socket in `.upfront/` (connecting
//! needs write permission on it: by default, only serve's user has it):
//! - question: `<section folder>\t<slug>\t<fence file name>\n`
//! - answer: `ok\n`, then `<slug>\t<path in the section folder>\n` for each
//!   note whose slug is the asked one or starts with it and `-`, then
//!   `end\n`; or `no\n` when serve cannot vouch for its answer.

use std::path::Path;
use std::time::Duration;

use crate::pipeline::notify::record::DIR;
use crate::source::content::Section;

/// serve's socket, in `.upfront/`.
pub const SOCKET: &str = "serve.sock";

/// How fence files are named (hidden, so no build ever reads one).
pub const FENCE: &str = ".upfront-fence-";

/// How long serve waits to hear of a fence before it says `no`.
pub const FENCE_WAIT: Duration = Duration::from_millis(300);

/// How long the command waits for an answer before reading the folder.
#[cfg(target_os = "linux")]
const ANSWER_WAIT: Duration = Duration::from_secs(1);

/// Where a site's serve listens.
pub fn socket(root: &Path) -> std::path::PathBuf {
    root.join(DIR).join(SOCKET)
}

/// What the command asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub section: Section,
    /// The slug wanted; the answer also holds those it would be numbered to
    /// (`slug-2`, `slug-3`...).
    pub slug: String,
    /// The fence file's name in the section's folder.
    pub fence: String,
}

impl Question {
    pub fn line(&self) -> String {
        format!("{}\t{}\t{}\n", self.section.dir(), self.slug, self.fence)
    }

    pub fn parse(line: &str) -> Option<Question> {
        let mut parts = line.trim_end_matches('\n').split('\t');
        let dir = parts.next()?;
        let section = (Section::ALL.into_iter()).find(|s| s.dir() == dir)?;
        let slug = parts.next()?.to_string();
        let fence = parts.next()?.to_string();
        let plain = |s: &str| !s.is_empty() && !s.contains(['/', '\\', '\t', '\n', '\r']);
        (plain(&slug) && fence.starts_with(FENCE) && plain(&fence) && parts.next().is_none())
            .then_some(Question {
                section,
                slug,
                fence,
            })
    }

    /// Whether a note's slug belongs in the answer.
    pub fn concerns(&self, slug: &str) -> bool {
        slug.strip_prefix(self.slug.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
    }
}

/// The answer's text for the notes concerned (slug, path in the section's
/// folder); `None` when one of them cannot be written on a line.
pub fn answer<'a>(notes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<String> {
    let mut text = String::from("ok\n");
    for (slug, rel) in notes {
        if [slug, rel].iter().any(|s| s.contains(['\t', '\n', '\r'])) {
            return None;
        }
        text.push_str(&format!("{slug}\t{rel}\n"));
    }
    text.push_str("end\n");
    Some(text)
}

/// The notes an answer names, or `None` for `no` or a cut-off answer.
pub fn parse_answer(text: &str) -> Option<Vec<(String, String)>> {
    let body = text.strip_prefix("ok\n")?.strip_suffix("end\n")?;
    (body.lines())
        .map(|line| {
            let (slug, rel) = line.split_once('\t')?;
            Some((slug.to_string(), rel.to_string()))
        })
        .collect()
}

/// Asks the site's running serve for the notes whose slug is `slug` or
/// numbered after it; `None` when there is no answer to trust.
#[cfg(target_os = "linux")]
pub fn taken(root: &Path, section: Section, slug: &str) -> Option<Vec<(String, String)>> {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;

    // Connecting first: a stale socket costs no fence.
    let mut stream = UnixStream::connect(socket(root)).ok()?;
    stream.set_read_timeout(Some(ANSWER_WAIT)).ok()?;
    stream.set_write_timeout(Some(ANSWER_WAIT)).ok()?;
    let fence = Fence::put(&section.folder(root))?;
    let question = Question {
        section,
        slug: slug.to_string(),
        fence: fence.name.clone(),
    };
    stream.write_all(question.line().as_bytes()).ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    parse_answer(&text)
}

#[cfg(not(target_os = "linux"))]
pub fn taken(_root: &Path, _section: Section, _slug: &str) -> Option<Vec<(String, String)>> {
    None
}

/// A fence file, removed when dropped.
#[cfg(target_os = "linux")]
struct Fence {
    path: std::path::PathBuf,
    name: String,
}

#[cfg(target_os = "linux")]
impl Fence {
    fn put(folder: &Path) -> Option<Fence> {
        let nanos = (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH))
            .map_or(0, |d| d.as_nanos());
        let name = format!("{FENCE}{}-{nanos}", std::process::id());
        let path = folder.join(&name);
        std::fs::File::create_new(&path).ok()?;
        Some(Fence { path, name })
    }
}

#[cfg(target_os = "linux")]
impl Drop for Fence {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_and_answers_read_back_as_written() {
        let q = Question {
            section: Section::Letters,
            slug: "outage".into(),
            fence: format!("{FENCE}1-2"),
        };
        assert_eq!(Question::parse(&q.line()), Some(q.clone()));
        assert!(q.concerns("outage") && q.concerns("outage-2") && q.concerns("outage-x"));
        assert!(!q.concerns("outages") && !q.concerns("outag"));
        // Anything else is not a question.
        for bad in [
            "letters\toutage\n",
            "posts\toutage\t.upfront-fence-1\n",
            "letters\toutage\tother\n",
            "letters\t../x\t.upfront-fence-1\n",
            "letters\toutage\t.upfront-fence-1\textra\n",
        ] {
            assert_eq!(Question::parse(bad), None, "{bad:?}");
        }

        let text = answer([("outage", "outage.md"), ("outage-2", "2026/x.md")]).unwrap();
        assert_eq!(
            parse_answer(&text).unwrap(),
            [
                ("outage".to_string(), "outage.md".to_string()),
                ("outage-2".to_string(), "2026/x.md".to_string())
            ]
        );
        assert_eq!(parse_answer(&answer([]).unwrap()), Some(vec![]));
        // A slug no line can hold, a refusal or a cut-off answer: no answer.
        assert_eq!(answer([("a\tb", "a.md")]), None);
        assert_eq!(parse_answer("no\n"), None);
        assert_eq!(parse_answer("ok\noutage\toutage.md\n"), None);
    }
}
