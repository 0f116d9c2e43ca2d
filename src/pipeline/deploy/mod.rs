//! `upfront deploy TARGET`: build, then publish only what changed.
//!
//! Two kinds of target: an S3-compatible bucket (`s3.rs`) and a live
//! directory on this machine swapped atomically (`dir.rs`). What to upload,
//! in which order and what to delete is decided first by a pure function
//! (`plan.rs`); the targets only carry it out.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use crate::pipeline::build::{self, BuildOptions};
use crate::vocab::error::{Error, Errors};

pub mod dir;
pub mod plan;
pub mod s3;

/// Where a site is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `s3://BUCKET[/PREFIX]`: any S3-compatible object store.
    S3 { bucket: String, prefix: String },
    /// `file:///DIR`: a directory a web server on this machine serves.
    Dir(PathBuf),
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if !valid_bucket(bucket) {
                return Err(format!(
                    "`{bucket}` is not a bucket name (3 to 63 characters: a-z, 0-9, `.` and `-`)"
                ));
            }
            let prefix = prefix.trim_matches('/');
            if prefix.split('/').any(|p| p == ".." || p == ".") {
                return Err(format!("the prefix `{prefix}` may not hold `.` or `..`"));
            }
            Ok(Target::S3 {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
            })
        } else if let Some(path) = s.strip_prefix("file://") {
            if !path.starts_with('/') || path.trim_end_matches('/').is_empty() {
                return Err(format!(
                    "`{s}` needs an absolute directory that is not `/`: file:///var/www/status"
                ));
            }
            Ok(Target::Dir(PathBuf::from(path.trim_end_matches('/'))))
        } else {
            Err(format!(
                "`{s}` is not a deploy target: use s3://BUCKET[/PREFIX] or file:///DIR"
            ))
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            Target::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
            Target::Dir(dir) => write!(f, "file://{}", dir.display()),
        }
    }
}

/// S3's rules, loosely: lower case, digits, dots and hyphens.
fn valid_bucket(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
}

/// What `upfront deploy` was asked to do.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub build: BuildOptions,
    pub target: Target,
    /// Show the plan; change nothing remote.
    pub dry_run: bool,
}

/// What a deploy did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub uploaded: usize,
    pub unchanged: usize,
    pub deleted: usize,
    /// Bytes uploaded (or copied, for a directory).
    pub bytes: u64,
    pub elapsed: Duration,
    pub dry_run: bool,
}

impl Report {
    /// One line, e.g. `uploaded 3, unchanged 1037, deleted 0, 14210 bytes, 0.41 s`.
    pub fn summary(&self) -> String {
        let verb = if self.dry_run {
            "would upload"
        } else {
            "uploaded"
        };
        let del = if self.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        format!(
            "{verb} {}, unchanged {}, {del} {}, {} bytes, {:.2} s",
            self.uploaded,
            self.unchanged,
            self.deleted,
            self.bytes,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Builds the site, then publishes it to the target.
pub fn deploy(opts: &DeployOptions) -> Result<Report, Errors> {
    let start = Instant::now();
    let config = build::load_config(&opts.build)?;
    refuse_placeholder(
        &config.base_url,
        opts.build.base_url.is_some(),
        &opts.build.root,
    )?;
    let built = build::build(&opts.build)?;
    let files = site_files(&built.output)?;
    let mut report = match &opts.target {
        Target::S3 { bucket, prefix } => {
            let headers = read_headers(&built.output);
            s3::deploy(&s3::Upload {
                bucket,
                prefix,
                out: &built.output,
                files: &files,
                headers: &headers,
                dry_run: opts.dry_run,
            })?
        }
        Target::Dir(dir) => dir::deploy(&built.output, &files, dir, opts.dry_run)?,
    };
    report.dry_run = opts.dry_run;
    report.elapsed = start.elapsed();
    Ok(report)
}

/// `deploy --notify`: after a successful deploy, tell subscribers what is
/// new (SPEC §11). The hook the notify module plugs into; until it exists
/// in this build, asking for it is an error rather than silence.
pub fn notify_after_deploy(_root: &Path, _dry_run: bool) -> Result<(), Errors> {
    Err(
        Error::new("notify is not available in this build of upfront; the deploy itself succeeded")
            .hint("deploy without --notify")
            .into(),
    )
}

/// Why a placeholder `base_url` must not go live: feeds, the sitemap,
/// canonical links and notifications would all point at someone else's
/// (or no) site.
pub fn refuse_placeholder(base_url: &str, from_flag: bool, root: &Path) -> Result<(), Error> {
    if !is_placeholder(base_url) {
        return Ok(());
    }
    let source = if from_flag {
        "--base-url".to_string()
    } else {
        format!(
            "base_url in {}",
            root.join(crate::source::config::FILE_NAME).display()
        )
    };
    Err(Error::new(format!(
        "{source} is `{base_url}`, a placeholder: feeds, the sitemap, canonical links and \
         notifications would point at a site that is not yours; nothing was deployed"
    ))
    .hint(
        "set base_url in site.toml to the public URL the site will be served from, \
         e.g. base_url = \"https://status.yourcompany.com\" (or pass --base-url URL)",
    ))
}

/// Whether `url` is on a name reserved for examples (RFC 2606, RFC 6761):
/// `example.com`/`.net`/`.org` and below, or `.example`, `.invalid`, `.test`.
pub fn is_placeholder(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("");
    let host = host.split(':').next().unwrap_or("").to_ascii_lowercase();
    let host = host.trim_end_matches('.');
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    [
        "example.com",
        "example.net",
        "example.org",
        "example",
        "invalid",
        "test",
    ]
    .iter()
    .any(|d| under(d))
}

/// The warning `check` prints for a placeholder `base_url` (not an error:
/// a site may be built and previewed long before it has a home).
pub fn placeholder_warning(base_url: &str) -> Option<String> {
    is_placeholder(base_url).then(|| {
        format!(
            "warning: base_url `{base_url}` is a placeholder; `upfront deploy` refuses it \
             until site.toml says where the site will be served"
        )
    })
}

/// Every file of a built site, with its MD5, except the output marker.
pub fn site_files(out: &Path) -> Result<Vec<plan::Local>, Error> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::in_file(out, format!("cannot read the site: {e}")))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(out)
            .expect("walkdir stays under its root")
            .to_string_lossy()
            .replace('\\', "/");
        if rel == crate::pipeline::output::MARKER {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| Error::io(entry.path(), "read", &e))?;
        files.push(plan::Local {
            path: rel,
            size: bytes.len() as u64,
            md5: Md5::digest(&bytes).into(),
        });
    }
    Ok(files)
}

/// The `_headers` the build wrote; empty rules when there is none.
fn read_headers(out: &Path) -> crate::publish::headers::Rules {
    let text =
        std::fs::read_to_string(out.join(crate::publish::outputs::HEADERS)).unwrap_or_default();
    crate::publish::headers::Rules::parse(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse() {
        assert_eq!(
            "s3://my-bucket".parse::<Target>(),
            Ok(Target::S3 {
                bucket: "my-bucket".into(),
                prefix: String::new()
            })
        );
        assert_eq!(
            "s3://my-bucket/status/".parse::<Target>(),
            Ok(Target::S3 {
                bucket: "my-bucket".into(),
                prefix: "status".into()
            })
        );
        assert_eq!(
            "file:///var/www/status/".parse::<Target>(),
            Ok(Target::Dir("/var/www/status".into()))
        );
        assert!("s3://My_Bucket".parse::<Target>().is_err());
        assert!("s3://b/../x".parse::<Target>().is_err());
        assert!("file://relative".parse::<Target>().is_err());
        assert!("file:///".parse::<Target>().is_err());
        assert!("https://x".parse::<Target>().is_err());
        assert_eq!(
            "s3://b-1/p/q".parse::<Target>().unwrap().to_string(),
            "s3://b-1/p/q"
        );
    }

    #[test]
    fn placeholders_are_the_reserved_names() {
        for url in [
            "https://status.example.com",
            "https://example.org/status",
            "http://status.example:8080",
            "https://status.invalid",
            "https://EXAMPLE.NET.",
        ] {
            assert!(is_placeholder(url), "{url}");
        }
        for url in [
            "https://status.acme.com",
            "https://example.community",
            "https://notexample.com",
            "http://127.0.0.1:8080",
        ] {
            assert!(!is_placeholder(url), "{url}");
        }
    }

    #[test]
    fn the_refusal_says_what_to_set() {
        let e =
            refuse_placeholder("https://status.example.com", false, Path::new("site")).unwrap_err();
        assert!(e.message.contains("site/site.toml"), "{}", e.message);
        assert!(e.hint.unwrap().contains("base_url = "));
        assert!(refuse_placeholder("https://status.acme.com", false, Path::new(".")).is_ok());
    }

    #[test]
    fn the_summary_line() {
        let r = Report {
            uploaded: 3,
            unchanged: 10,
            deleted: 1,
            bytes: 2048,
            elapsed: Duration::from_millis(1500),
            dry_run: false,
        };
        assert_eq!(
            r.summary(),
            "uploaded 3, unchanged 10, deleted 1, 2048 bytes, 1.50 s"
        );
    }
}
