//! `upfront notify` (SPEC §11): tells every `[[notify]]` channel about each
//! new incident, update, resolution, letter and scheduled maintenance,
//! exactly once per channel, with no server of our own.
//!
//! The site is loaded as a build loads it (nothing is written to the
//! output), [`events`] lists what it holds, the [`record`] says what each
//! channel already had, and the rest is sent oldest first, the record
//! rewritten atomically after each success. A channel that fails stops
//! for this run (its later events wait, so none arrives out of order);
//! the others go on; the next run sends what is left.

use std::path::PathBuf;

use crate::pipeline::build::{self, BuildOptions};
use crate::site::model::Site;
use crate::source::config::{NotifyChannel, Target};
use crate::source::content::Content;
use crate::vocab::error::{Error, Errors, Result};
use crate::vocab::times::Time;

pub mod discord;
pub mod email;
pub mod events;
pub mod message;
pub mod record;
pub mod send;
pub mod slack;
pub mod teams;
pub mod webhook;

pub use message::Message;
pub use record::Record;
pub use send::Retry;

use events::Event;
use send::{Failure, Smtp};

/// What `upfront notify` (or `deploy --notify`) was asked to do.
#[derive(Debug, Clone, Default)]
pub struct NotifyOptions {
    pub root: PathBuf,
    /// Overrides site.toml's base_url for the links in messages.
    pub base_url: Option<String>,
    /// The moment the site describes (default: now).
    pub now: Option<Time>,
    /// Print what would be sent; send and record nothing.
    pub dry_run: bool,
    /// A status.json file or http(s) URL: what the public has seen, for
    /// channels that have no record yet.
    pub previous: Option<String>,
    pub retry: Retry,
}

/// What a run did, per channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NotifyReport {
    pub dry_run: bool,
    pub channels: Vec<ChannelReport>,
    /// Where the record is.
    pub record: PathBuf,
    /// Said once: what the first run of a channel took as already seen.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChannelReport {
    /// `NotifyChannel::id`: kind and variable names, never a secret.
    pub channel: String,
    /// Sent this run (in a dry run: would be sent), oldest first.
    pub sent: Vec<Sent>,
    /// Recorded without sending: already public before the channel's
    /// record began, or left out by its `components`.
    pub marked: usize,
    pub failure: Option<ChannelFailure>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub event_id: String,
    pub event: &'static str,
    pub headline: String,
    /// In a dry run, the body that would go out (JSON, or the mail's text).
    pub preview: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelFailure {
    /// The event that could not be sent (None: the channel could not start).
    pub event_id: Option<String>,
    /// Why, with every secret taken out.
    pub reason: String,
    pub tries: u32,
    /// Events left for the next run, the failed one included.
    pub pending: usize,
    pub line: Option<usize>,
}

impl NotifyReport {
    pub fn failed(&self) -> bool {
        self.channels.iter().any(|c| c.failure.is_some())
    }

    /// One error per failed channel, for the exit code.
    pub fn errors(&self) -> Errors {
        let mut errors = Errors::default();
        for c in &self.channels {
            if let Some(f) = &c.failure {
                let what = match &f.event_id {
                    Some(id) => format!("could not send `{id}`"),
                    None => "could not start".to_string(),
                };
                let tries = match f.tries {
                    0 | 1 => String::new(),
                    n => format!(" after {n} tries"),
                };
                let at = f
                    .line
                    .map(|l| format!(" (site.toml:{l})"))
                    .unwrap_or_default();
                errors.push(
                    Error::new(format!(
                        "notify channel `{}`{at} {what}: {}{tries}; {} event{} wait{} for the next run",
                        c.channel,
                        f.reason,
                        f.pending,
                        plural(f.pending),
                        if f.pending == 1 { "s" } else { "" },
                    ))
                    .hint("run `upfront notify` again once the channel works: it sends only what is left"),
                );
            }
        }
        errors
    }

    /// What to print: one line per channel, one per event sent.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for n in &self.notes {
            out.push_str(&format!("notify: {n}\n"));
        }
        let verb = if self.dry_run { "would send" } else { "sent" };
        for c in &self.channels {
            let mut line = format!("notify: {}: {verb} {}", c.channel, c.sent.len());
            if c.marked > 0 {
                let mark = if self.dry_run {
                    "would record"
                } else {
                    "recorded"
                };
                line.push_str(&format!(
                    ", {mark} {} as already seen or not for this channel",
                    c.marked
                ));
            }
            if let Some(f) = &c.failure {
                line.push_str(&format!(", FAILED ({} left)", f.pending));
            }
            out.push_str(&line);
            out.push('\n');
            for s in &c.sent {
                out.push_str(&format!("  {} {} {}\n", s.event, s.event_id, s.headline));
                if let Some(p) = &s.preview {
                    for l in p.lines() {
                        out.push_str(&format!("    {l}\n"));
                    }
                }
            }
        }
        if self.dry_run {
            out.push_str("notify: dry run: nothing sent, nothing recorded\n");
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Runs `upfront notify`. `Err` when the site, the record or `--previous`
/// cannot be read (nothing was sent), or when the record cannot be written
/// (the run stops there, so nothing is sent that would not be recorded);
/// otherwise a report, which says whether a channel failed
/// (`NotifyReport::failed`, `errors`).
pub fn run(opts: &NotifyOptions) -> Result<NotifyReport> {
    let site = load(opts)?;
    let channels = &site.config.notify;
    if channels.is_empty() {
        return Err(Error::in_file(
            &opts.root.join(crate::source::config::FILE_NAME),
            "no [[notify]] channels: there is nowhere to send to",
        )
        .hint("add one, e.g. [[notify]] kind = \"slack\" url_env = \"SLACK_WEBHOOK_URL\"; see the Notify chapter")
        .into());
    }
    // Taken before the record is read: a run that waited reads what the
    // other one sent. A dry run sends and records nothing.
    let _lock = (!opts.dry_run)
        .then(|| record::RunLock::take(&opts.root))
        .transpose()?;
    let mut record = Record::load(&opts.root)?.unwrap_or_else(Record::new);
    let mut report = NotifyReport {
        dry_run: opts.dry_run,
        record: Record::path(&opts.root),
        ..NotifyReport::default()
    };
    let needs_baseline = channels.iter().any(|c| record.done(&c.id()).is_none());
    let baseline = baseline(opts, &site, needs_baseline, &mut report.notes)?;
    let events = events::all(&site);
    let agent = send::agent(&opts.retry);
    for channel in channels {
        let id = channel.id();
        let plan = events::plan(&site, &events, channel, record.done(&id), baseline);
        let mut c = ChannelReport {
            channel: id.clone(),
            marked: plan.mark.len(),
            ..ChannelReport::default()
        };
        if opts.dry_run {
            c.sent = plan
                .send
                .iter()
                .map(|e| sent(&site, e, Some(channel)))
                .collect();
        } else {
            // Seen and filtered events first: a channel's record exists
            // before anything is sent to it.
            if record.done(&id).is_none() || !plan.mark.is_empty() {
                record.add(&id, plan.mark.iter().map(|e| e.id.as_str()));
                record.save(&opts.root)?;
            }
            deliver(
                &site,
                channel,
                &plan.send,
                &mut record,
                opts,
                &agent,
                &mut c,
            )?;
        }
        report.channels.push(c);
    }
    Ok(report)
}

/// The time up to which a channel without a record takes events as seen:
/// `--previous`'s `generated_at`, else now.
fn baseline(
    opts: &NotifyOptions,
    site: &Site,
    needed: bool,
    notes: &mut Vec<String>,
) -> Result<Time> {
    let utc = crate::vocab::times::utc;
    Ok(match (&opts.previous, needed) {
        (Some(p), true) => {
            let t = previous_time(p, &opts.retry)?;
            notes.push(format!(
                "new channels take everything up to {} (generated_at of {p}) as already seen",
                utc(t)
            ));
            t
        }
        (Some(_), false) => {
            notes.push(
                "--previous not used: every channel has a record in .upfront/notified.json".into(),
            );
            site.now
        }
        (None, true) => {
            notes.push(format!(
                "new channels take everything up to now ({}) as already seen; nothing older is sent",
                utc(site.now)
            ));
            site.now
        }
        (None, false) => site.now,
    })
}

/// Sends a channel its events in order, recording each success; stops at
/// the first failure (noted in `c`), so none arrives out of order.
fn deliver(
    site: &Site,
    channel: &NotifyChannel,
    events: &[&Event],
    record: &mut Record,
    opts: &NotifyOptions,
    agent: &ureq::Agent,
    c: &mut ChannelReport,
) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let failure =
        |event_id: Option<&str>, reason: String, tries: u32, pending: usize| ChannelFailure {
            event_id: event_id.map(String::from),
            reason,
            tries,
            pending,
            line: channel.line,
        };
    let delivery = match Delivery::open(channel, &opts.retry) {
        Ok(d) => d,
        Err((reason, secrets)) => {
            c.failure = Some(failure(
                None,
                send::redact(&reason, &secrets),
                0,
                events.len(),
            ));
            return Ok(());
        }
    };
    for (n, event) in events.iter().enumerate() {
        let message = Message::new(site, event);
        match delivery.send(&message, agent, &opts.retry) {
            Ok(_) => {
                record.add(&c.channel, [event.id.as_str()]);
                record.save(&opts.root)?;
                c.sent.push(sent(site, event, None));
            }
            Err((f, tries)) => {
                let reason = send::redact(&f.reason, &delivery.secrets);
                c.failure = Some(failure(Some(&event.id), reason, tries, events.len() - n));
                break;
            }
        }
    }
    Ok(())
}

/// `run`, printing the report to standard output: what `upfront notify`
/// and `deploy --notify` do. `Err` holds one error per failed channel (or
/// why nothing could be sent), for a non-zero exit code.
pub fn run_and_print(opts: &NotifyOptions) -> Result<()> {
    let report = run(opts)?;
    print!("{}", report.render());
    if report.failed() {
        Err(report.errors())
    } else {
        Ok(())
    }
}

/// The site as a build sees it (no drafts), without templates or output.
fn load(opts: &NotifyOptions) -> Result<Site> {
    let build = BuildOptions {
        root: opts.root.clone(),
        base_url: opts.base_url.clone(),
        now: opts.now,
        ..BuildOptions::default()
    };
    let config = build::load_config(&build)?;
    let content = Content::load(&opts.root, &config, false)?;
    Ok(Site::new(config, content, build.now(), 0))
}

fn sent(site: &Site, event: &Event, preview: Option<&NotifyChannel>) -> Sent {
    let message = Message::new(site, event);
    Sent {
        event_id: event.id.clone(),
        event: message.event,
        headline: message.headline(),
        preview: preview.map(|c| preview_of(&c.target, &message)),
    }
}

/// What a dry run shows of a message: the exact JSON body, or the mail's
/// headers and text part.
fn preview_of(target: &Target, m: &Message) -> String {
    let json = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default();
    match target {
        Target::Slack { .. } => json(slack::body(m)),
        Target::Discord { .. } => json(discord::body(m)),
        Target::Teams { .. } => json(teams::body(m)),
        Target::Webhook { .. } => json(webhook::body(m)),
        Target::Email { from, to, .. } => format!(
            "From: {from}\nTo: {}\nSubject: {}\n\n{}",
            to.join(", "),
            email::subject(m),
            email::text_part(m)
        ),
    }
}

/// A channel with its secrets read from the environment.
struct Delivery {
    how: How,
    /// Every secret value, to take out of anything printed.
    secrets: Vec<String>,
}

enum How {
    Json {
        url: String,
        format: fn(&Message) -> serde_json::Value,
        /// The HMAC key, for a webhook.
        sign: Option<String>,
    },
    Email {
        transport: lettre::SmtpTransport,
        from: String,
        to: Vec<String>,
    },
}

impl Delivery {
    /// Reads the channel's variables; the error says which is missing or
    /// wrong, and holds no value.
    fn open(
        channel: &NotifyChannel,
        retry: &Retry,
    ) -> std::result::Result<Delivery, (String, Vec<String>)> {
        let var = |name: &str, what: &str| -> std::result::Result<String, (String, Vec<String>)> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
                _ => Err((
                    format!("the environment variable {name} is not set (it should hold {what})"),
                    Vec::new(),
                )),
            }
        };
        let http_url = |name: &str, what: &str| {
            let url = var(name, what)?;
            if url.starts_with("https://") || url.starts_with("http://") {
                Ok(url)
            } else {
                Err((format!("{name} does not hold an http(s) URL"), vec![url]))
            }
        };
        let json = |url: String, format: fn(&Message) -> serde_json::Value| Delivery {
            secrets: vec![url.clone()],
            how: How::Json {
                url,
                format,
                sign: None,
            },
        };
        Ok(match &channel.target {
            Target::Slack { url_env } => {
                json(http_url(url_env, "the Slack webhook URL")?, slack::body)
            }
            Target::Discord { url_env } => {
                json(http_url(url_env, "the Discord webhook URL")?, discord::body)
            }
            Target::Teams { url_env } => json(
                http_url(url_env, "the Teams workflow webhook URL")?,
                teams::body,
            ),
            Target::Webhook {
                url_env,
                secret_env,
            } => {
                let url = http_url(url_env, "the webhook URL")?;
                let secret = var(secret_env, "the webhook signing secret")
                    .map_err(|(m, _)| (m, vec![url.clone()]))?;
                Delivery {
                    secrets: vec![url.clone(), secret.clone()],
                    how: How::Json {
                        url,
                        format: webhook::body,
                        sign: Some(secret),
                    },
                }
            }
            Target::Email { smtp_env, from, to } => {
                let url = var(smtp_env, "an smtp:// or smtps:// URL")?;
                let smtp = Smtp::parse(&url)
                    .map_err(|why| (format!("{smtp_env} {why}"), vec![url.clone()]))?;
                let mut secrets = vec![url.clone()];
                secrets.extend(smtp.password.clone());
                let transport = smtp
                    .transport(retry)
                    .map_err(|f| (f.reason, secrets.clone()))?;
                Delivery {
                    secrets,
                    how: How::Email {
                        transport,
                        from: from.clone(),
                        to: to.clone(),
                    },
                }
            }
        })
    }

    fn send(
        &self,
        m: &Message,
        agent: &ureq::Agent,
        retry: &Retry,
    ) -> std::result::Result<u32, (Failure, u32)> {
        match &self.how {
            How::Json { url, format, sign } => {
                let body = serde_json::to_vec(&format(m)).expect("message bodies are plain data");
                let mut headers = Vec::new();
                if let Some(secret) = sign {
                    headers.push((
                        webhook::SIGNATURE_HEADER,
                        webhook::signature(secret.as_bytes(), &body),
                    ));
                    headers.push(("X-Upfront-Event", m.event.to_string()));
                    headers.push(("X-Upfront-Delivery", m.event_id.clone()));
                }
                retry.run(|| send::post_json(agent, url, &body, &headers))
            }
            How::Email {
                transport,
                from,
                to,
            } => {
                let mail = email::build(m, from, to).map_err(|e| {
                    (
                        Failure {
                            reason: e.message,
                            transient: false,
                        },
                        0,
                    )
                })?;
                retry.run(|| send::send_mail(transport, &mail))
            }
        }
    }
}

/// `generated_at` of a status.json, from a file or an http(s) URL.
fn previous_time(source: &str, retry: &Retry) -> Result<Time> {
    let is_url = source.starts_with("http://") || source.starts_with("https://");
    let bytes = if is_url {
        fetch(source, retry).map_err(|why| {
            Error::new(format!("cannot fetch --previous {source}: {why}"))
                .hint("check the URL, or pass a saved status.json file")
        })?
    } else {
        let path = PathBuf::from(source);
        std::fs::read(&path).map_err(|e| Error::io(&path, "read --previous", &e))?
    };
    let bad = |why: String| {
        let e = Error::new(format!("--previous {source}: {why}"));
        if is_url {
            e
        } else {
            Error::in_file(std::path::Path::new(source), why)
        }
        .hint("it must be a status.json written by upfront (it carries `generated_at`)")
    };
    let json: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("not JSON: {e}")))?;
    let at = json
        .get("generated_at")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("has no `generated_at`".into()))?;
    chrono::DateTime::parse_from_rfc3339(at)
        .map_err(|e| bad(format!("`generated_at` is not an RFC 3339 time: {e}")).into())
}

fn fetch(url: &str, retry: &Retry) -> std::result::Result<Vec<u8>, String> {
    let agent = send::agent(retry);
    let mut out = Vec::new();
    retry
        .run(|| {
            let mut resp = agent.get(url).call().map_err(|_| Failure {
                reason: "the request failed".into(),
                transient: true,
            })?;
            let status = resp.status().as_u16();
            if status != 200 {
                return Err(Failure {
                    reason: format!("HTTP {status}"),
                    transient: status >= 500,
                });
            }
            out = resp
                .body_mut()
                .with_config()
                .limit(16 * 1024 * 1024)
                .read_to_vec()
                .map_err(|_| Failure {
                    reason: "the answer could not be read".into(),
                    transient: true,
                })?;
            Ok(())
        })
        .map(|_| out)
        .map_err(|(f, _)| f.reason)
}
