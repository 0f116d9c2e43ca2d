//! `s3://BUCKET[/PREFIX]`: any S3-compatible store (AWS S3, Cloudflare R2,
//! MinIO, Backblaze B2, GCS's XML API), through the `object_store` crate.
//!
//! Configuration comes from the standard AWS environment variables, as the
//! AWS CLI reads them: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION` (or `AWS_DEFAULT_REGION`) and
//! `AWS_ENDPOINT_URL` (an `http://` endpoint is allowed, for local servers).

use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, BackoffConfig, ObjectStore, PutOptions, PutPayload, RetryConfig,
};

use super::plan::{self, Local, Phase, Plan, Remote};
use super::Report;
use crate::publish::headers::{content_type, Rules};
use crate::vocab::error::Error;

/// Uploads in flight at once: enough to hide latency, few enough not to be
/// throttled (S3 allows 3,500 PUTs per second per prefix).
const CONCURRENCY: usize = 16;

/// One deploy to a bucket.
pub struct Upload<'a> {
    pub bucket: &'a str,
    pub prefix: &'a str,
    /// The built site.
    pub out: &'a Path,
    pub files: &'a [Local],
    /// The site's `_headers`, read back: each object's Cache-Control.
    pub headers: &'a Rules,
    pub dry_run: bool,
}

impl Upload<'_> {
    fn key(&self, path: &str) -> String {
        if self.prefix.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.prefix)
        }
    }

    fn url(&self, path: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.key(path))
    }
}

pub fn deploy(up: &Upload) -> Result<Report, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(format!("cannot start the uploader: {e}")))?;
    runtime.block_on(run(up))
}

async fn run(up: &Upload<'_>) -> Result<Report, Error> {
    let store = store(up.bucket)?;
    let remote = list(&store, up).await?;
    let plan = plan::plan(up.files, &remote);
    let mut report = Report {
        uploaded: plan.upload_count(),
        unchanged: plan.unchanged,
        deleted: plan.deletes.len(),
        bytes: plan.upload_bytes(),
        ..Report::default()
    };
    if up.dry_run {
        print_plan(up, &plan);
        return Ok(report);
    }
    let done = Progress::default();
    for (phase, files) in plan.ordered() {
        upload_phase(&store, up, phase, files, &done).await?;
    }
    for path in &plan.deletes {
        let key = parse_key(&up.key(path))?;
        store.delete(&key).await.map_err(|e| {
            Error::new(format!(
                "every file was uploaded, but deleting {} failed: {}",
                up.url(path),
                reason(&e)
            ))
            .hint(
                "the site is complete and live; rerun `upfront deploy` to remove what is left over",
            )
        })?;
    }
    report.bytes = done.bytes.load(Ordering::Relaxed);
    Ok(report)
}

/// Counts what went up, for the message when something does not.
#[derive(Default)]
struct Progress {
    files: AtomicUsize,
    bytes: AtomicU64,
}

async fn upload_phase(
    store: &AmazonS3,
    up: &Upload<'_>,
    phase: Phase,
    files: &[Local],
    done: &Progress,
) -> Result<(), Error> {
    futures_util::stream::iter(files.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENCY, |file| async move {
            put(store, up, file)
                .await
                .map_err(|why| failed(up, phase, file, &why, done.files.load(Ordering::Relaxed)))?;
            done.files.fetch_add(1, Ordering::Relaxed);
            done.bytes.fetch_add(file.size, Ordering::Relaxed);
            Ok(())
        })
        .await
}

/// The message for an upload that failed: which file, why, and that the
/// site still works (the phases before it are complete; nothing is deleted).
fn failed(up: &Upload, phase: Phase, file: &Local, why: &str, uploaded: usize) -> Error {
    let state = match phase {
        Phase::Assets => "no page was changed yet",
        Phase::Pages => "some pages are new, the homepage is still the previous one",
        Phase::Home => "every other page is new, the homepage is still the previous one",
    };
    Error::new(format!(
        "deploy stopped: uploading {} to {} failed: {why}. {uploaded} files were uploaded \
         before it; {state}, and nothing was deleted, so the published site still works",
        file.path,
        up.url(&file.path)
    ))
    .hint(
        "fix the cause and rerun the same `upfront deploy`: it uploads only what is still missing",
    )
}

async fn put(store: &AmazonS3, up: &Upload<'_>, file: &Local) -> Result<(), String> {
    let path = up.out.join(&file.path);
    // Files are small (pages, feeds): reading one blocks for microseconds.
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::ContentType, content_type(&file.path).into());
    if let Some(cache) = up.headers.get(&file.path, "Cache-Control") {
        attributes.insert(Attribute::CacheControl, cache.to_string().into());
    }
    let opts = PutOptions {
        attributes,
        ..PutOptions::default()
    };
    let key = parse_key(&up.key(&file.path)).map_err(|e| e.message)?;
    store
        .put_opts(&key, PutPayload::from(bytes), opts)
        .await
        .map(drop)
        .map_err(|e| reason(&e))
}

fn parse_key(key: &str) -> Result<Key, Error> {
    Key::parse(key).map_err(|e| Error::new(format!("`{key}` cannot be an object key: {e}")))
}

/// Everything published under the prefix.
async fn list(store: &AmazonS3, up: &Upload<'_>) -> Result<Vec<Remote>, Error> {
    let prefix = (!up.prefix.is_empty())
        .then(|| parse_key(up.prefix))
        .transpose()?;
    let metas: Vec<_> = store
        .list(prefix.as_ref())
        .try_collect()
        .await
        .map_err(|e| list_failed(up, &e))?;
    let strip = if up.prefix.is_empty() {
        String::new()
    } else {
        format!("{}/", up.prefix)
    };
    Ok(metas
        .into_iter()
        .filter_map(|m| {
            let key = m.location.to_string();
            key.strip_prefix(&strip).map(|path| Remote {
                path: path.to_string(),
                etag: m.e_tag,
            })
        })
        .collect())
}

fn list_failed(up: &Upload, e: &object_store::Error) -> Error {
    let endpoint = endpoint().unwrap_or_else(|| "AWS S3".into());
    let bucket = up.bucket;
    let text = e.to_string();
    let (what, hint) = if text.contains("NoSuchBucket")
        || matches!(e, object_store::Error::NotFound { .. })
    {
        (
            format!("there is no bucket `{bucket}` at {endpoint}"),
            "check the bucket name in the target (s3://BUCKET/PREFIX), AWS_REGION and \
             AWS_ENDPOINT_URL; upfront does not create buckets",
        )
    } else if matches!(
        e,
        object_store::Error::PermissionDenied { .. } | object_store::Error::Unauthenticated { .. }
    ) {
        (
            format!(
                "{endpoint} refused to list bucket `{bucket}`: {}",
                reason(e)
            ),
            "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may \
             s3:ListBucket, s3:PutObject and s3:DeleteObject on this bucket",
        )
    } else {
        (
            format!("cannot list bucket `{bucket}` at {endpoint}: {}", reason(e)),
            "check AWS_ENDPOINT_URL and the network",
        )
    };
    Error::new(format!("{what}; nothing was uploaded")).hint(hint)
}

/// The useful words of an object_store error, without the crate's
/// wrapping: S3's own `Code: Message` when the body has one, else the
/// HTTP status, with the retries it took.
fn reason(e: &object_store::Error) -> String {
    let what = describe(&e.to_string());
    // The transport's own words ("Connection refused", "dns error") are at
    // the end of the source chain, below "error sending request".
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut deepest = None;
    while let Some(s) = source {
        deepest = Some(s.to_string());
        source = s.source();
    }
    match deepest {
        Some(d) if !what.contains(&d) && !d.contains("status code") => format!("{what}: {d}"),
        _ => what,
    }
}

fn describe(text: &str) -> String {
    // S3 error bodies are XML: `<Code>X</Code><Message>Y</Message>`.
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find("</")? + start;
        Some(text[start..end].to_string())
    };
    let what = match (tag("Code"), tag("Message")) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code,
        _ => match (
            text.split_once("status code: "),
            text.split_once("HTTP error: "),
        ) {
            (Some((_, status)), _) => status.trim_end_matches([' ', ':', '.']).to_string(),
            (None, Some((_, http))) => http.to_string(),
            (None, None) => return text.to_string(),
        },
    };
    let retries = text
        .split_once("after ")
        .and_then(|(_, rest)| rest.split_once(" retries"))
        .map(|(n, _)| n)
        .filter(|n| n.parse::<u32>().is_ok_and(|n| n > 0));
    match retries {
        Some(n) => format!("{what} (after {n} retries)"),
        None => what,
    }
}

fn endpoint() -> Option<String> {
    ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "AWS_ENDPOINT"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

fn store(bucket: &str) -> Result<AmazonS3, Error> {
    let mut builder = env_config(std::env::vars())
        .into_iter()
        .fold(AmazonS3Builder::new(), |b, (key, value)| {
            b.with_config(key, value)
        })
        .with_bucket_name(bucket)
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        });
    if let Some(url) = endpoint() {
        builder = builder
            .with_allow_http(url.starts_with("http://"))
            .with_endpoint(url);
    }
    builder.build().map_err(|e| {
        Error::new(format!("cannot set up S3 for bucket `{bucket}`: {e}")).hint(
            "set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and, for a service \
             other than AWS, AWS_ENDPOINT_URL",
        )
    })
}

/// The `AWS_*` variables object_store knows, as `AmazonS3Builder::from_env`
/// reads them, except that an empty one counts as unset: CI files pass
/// `AWS_ENDPOINT_URL: ${{ vars.AWS_ENDPOINT_URL }}` whether it is set or not.
/// Applied in name order, so where two name one setting the later wins as
/// in the AWS CLI: `AWS_REGION` over `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`
/// over `AWS_ENDPOINT`.
fn env_config(vars: impl Iterator<Item = (String, String)>) -> Vec<(AmazonS3ConfigKey, String)> {
    let mut vars: Vec<(String, String)> = vars
        .filter(|(key, value)| key.starts_with("AWS_") && !value.trim().is_empty())
        .collect();
    vars.sort();
    vars.into_iter()
        .filter_map(|(key, value)| Some((key.to_ascii_lowercase().parse().ok()?, value)))
        .collect()
}

/// `--dry-run`: what would go up and what would be deleted.
fn print_plan(up: &Upload, plan: &Plan) {
    for (phase, files) in plan.ordered() {
        for f in files {
            println!("upload {:?} {} ({} bytes)", phase, up.url(&f.path), f.size);
        }
    }
    for path in &plan.deletes {
        println!("delete {}", up.url(path));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_carry_the_prefix() {
        let rules = Rules::default();
        let up = Upload {
            bucket: "b",
            prefix: "status",
            out: Path::new("."),
            files: &[],
            headers: &rules,
            dry_run: true,
        };
        assert_eq!(up.key("index.html"), "status/index.html");
        assert_eq!(up.url("a/b.json"), "s3://b/status/a/b.json");
        let bare = Upload { prefix: "", ..up };
        assert_eq!(bare.key("index.html"), "index.html");
    }

    #[test]
    fn empty_variables_count_as_unset() {
        let vars = [
            ("AWS_ENDPOINT_URL", ""),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_NOT_A_SETTING", "x"),
            ("HOME", "/root"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()));
        let got = env_config(vars.into_iter());
        assert_eq!(
            got,
            vec![
                (AmazonS3ConfigKey::AccessKeyId, "key".to_string()),
                (AmazonS3ConfigKey::DefaultRegion, "us-west-2".to_string()),
                (AmazonS3ConfigKey::Region, "eu-west-1".to_string()),
            ]
        );
    }

    #[test]
    fn errors_are_described_without_the_wrapping() {
        assert_eq!(
            describe(
                "Generic S3 error: Error performing PUT http://h/b/k in 528ms, after 3 retries, \
                 max_retries: 3, retry_timeout: 30s  - Server returned non-2xx status code: \
                 500 Internal Server Error: ."
            ),
            "500 Internal Server Error (after 3 retries)"
        );
        assert_eq!(
            describe("Generic S3 error: <Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"),
            "AccessDenied: Access Denied"
        );
        assert_eq!(describe("connection refused"), "connection refused");
        assert_eq!(
            describe("Error performing GET http://h/b in 5ms, after 3 retries, max_retries: 3 - HTTP error: error sending request"),
            "error sending request (after 3 retries)"
        );
    }
}
