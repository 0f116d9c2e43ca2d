//! Slugs: the `[a-z0-9-]+` names that become URLs.

/// Whether `s` is a valid slug: non-empty, only `a-z`, `0-9` and `-`.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A slug made from free text (for new files and heading anchors): ASCII
/// letters and digits kept and lowercased, every other run of characters
/// becomes one `-`. Returns an empty string when nothing is left.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') && c != '\'' && c != '’' {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates() {
        assert!(is_slug("license-expired"));
        assert!(is_slug("2008-08-12-x"));
        assert!(!is_slug(""));
        assert!(!is_slug("../../x"));
        assert!(!is_slug("Upper"));
        assert!(!is_slug("a_b"));
        assert!(!is_slug("é"));
    }

    #[test]
    fn slugifies() {
        assert_eq!(
            slugify("Hosts report 'license expired' after Update 2"),
            "hosts-report-license-expired-after-update-2"
        );
        assert_eq!(slugify("  What's new?  "), "whats-new");
        assert_eq!(slugify("Ünïcode only"), "n-code-only");
        assert_eq!(slugify("!!!"), "");
    }
}
