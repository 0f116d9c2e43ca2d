//! One error type for everything a user can get wrong: where (file, line,
//! column), what, and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A single problem, located as precisely as we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            file: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn in_file(file: &Path, message: impl Into<String>) -> Self {
        Error::new(message).file(file)
    }

    pub fn file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    pub fn at(mut self, line: usize, column: Option<usize>) -> Self {
        self.line = Some(line);
        self.column = column;
        self
    }

    /// Sets the line only when one is known and none is set yet.
    pub fn at_line(mut self, line: Option<usize>) -> Self {
        if self.line.is_none() {
            self.line = line;
        }
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn io(file: &Path, what: &str, err: &std::io::Error) -> Self {
        Error::in_file(file, format!("cannot {what}: {err}"))
    }

    /// "file:line:col" as editors and terminals link it.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?.display().to_string();
        Some(match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
            (Some(l), None) => format!("{file}:{l}"),
            _ => file,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location() {
            Some(loc) => write!(f, "{loc}: {}", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Every problem of one run, reported together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Errors(pub Vec<Error>);

impl Errors {
    pub fn push(&mut self, e: Error) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Error> {
        self.0.iter()
    }
    pub fn extend(&mut self, other: Errors) {
        self.0.extend(other.0);
    }
    /// `Ok(value)` when nothing went wrong, otherwise every error, in a
    /// stable order (by file, then line) so reports are reproducible.
    pub fn into_result<T>(self, value: T) -> Result<T, Errors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.sorted())
        }
    }

    pub fn sorted(mut self) -> Errors {
        self.0
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        self.0.dedup();
        self
    }
}

impl From<Error> for Errors {
    fn from(e: Error) -> Self {
        Errors(vec![e])
    }
}

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "error: {e}")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Errors {}

pub type Result<T, E = Errors> = std::result::Result<T, E>;

/// The closest of `choices` to `word`, if it is close enough to be a
/// plausible typo (Levenshtein distance at most a third of the length).
pub fn closest<'a>(word: &str, choices: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = word.chars().count();
    let limit = (len / 3).max(2);
    choices
        .into_iter()
        // The distance is at least the difference in length: skip the
        // quadratic comparison for names that cannot be close.
        .filter(|c| c.len().abs_diff(len) <= limit * 4 && c.chars().count().abs_diff(len) <= limit)
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// A hint naming the closest choice and listing all of them (when they
/// are few enough to read).
pub fn choice_hint(word: &str, choices: &[&str]) -> String {
    let guess = closest(word, choices.iter().copied());
    if choices.len() > 12 {
        return match guess {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!(
                "none of the {} known names is close to `{word}`",
                choices.len()
            ),
        };
    }
    let list = choices
        .iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match guess {
        Some(c) => format!("did you mean `{c}`? expected one of {list}"),
        None => format!("expected one of {list}"),
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (and the same for
/// variants) carries the choices; turn them into a did-you-mean hint.
pub fn serde_hint(message: &str) -> Option<String> {
    let start = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|p| message.find(p).map(|i| i + p.len()))?;
    let rest = &message[start..];
    let word = &rest[..rest.find('`')?];
    let expected = &rest[rest.find("expected")?..];
    let choices: Vec<&str> = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty())
        .collect();
    if choices.is_empty() {
        return None;
    }
    Some(choice_hint(word, &choices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_location_and_hint() {
        let e = Error::in_file(Path::new("content/a.md"), "bad")
            .at(3, Some(7))
            .hint("fix it");
        assert_eq!(e.to_string(), "content/a.md:3:7: bad\n  hint: fix it");
    }

    #[test]
    fn closest_finds_typos_only() {
        let c = ["critical", "major", "minor", "maintenance"];
        assert_eq!(closest("critcal", c), Some("critical"));
        assert_eq!(closest("mjor", c), Some("major"));
        assert_eq!(closest("banana", c), None);
    }

    #[test]
    fn serde_hint_suggests() {
        let m = "unknown field `titel`, expected one of `title`, `base_url`";
        assert_eq!(
            serde_hint(m).unwrap(),
            "did you mean `title`? expected one of `title`, `base_url`"
        );
        assert_eq!(serde_hint("invalid type"), None);
    }

    #[test]
    fn errors_sorted_and_counted() {
        let mut errs = Errors::default();
        errs.push(Error::in_file(Path::new("b"), "x").at(2, None));
        errs.push(Error::in_file(Path::new("a"), "y").at(9, None));
        let e = errs.into_result(()).unwrap_err();
        assert_eq!(e.0[0].file.as_deref(), Some(Path::new("a")));
        assert!(e.to_string().ends_with("2 errors"));
    }
}
