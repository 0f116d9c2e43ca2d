//! Delivery: an HTTP POST or an SMTP submission, retried with backoff when
//! the failure may pass (refused, reset, timed out, 5xx, 429), reported at
//! once when it will not (4xx, a rejected address). Nothing a channel says
//! back reaches the user before every secret is taken out of it.

use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

/// How hard to try. The defaults suit a CI job; tests shorten them with
/// `UPFRONT_NOTIFY_BACKOFF_MS` and `UPFRONT_NOTIFY_TIMEOUT_MS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Tries in all, the first included.
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each next one.
    pub backoff: Duration,
    /// For one whole request: connect, send, answer.
    pub timeout: Duration,
}

impl Default for Retry {
    /// Four tries, waiting 0.5 s, 1 s and 2 s between them, 10 s each.
    fn default() -> Retry {
        Retry {
            attempts: 4,
            backoff: Duration::from_millis(500),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Retry {
    pub fn from_env() -> Retry {
        let ms = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_millis)
        };
        let d = Retry::default();
        Retry {
            attempts: d.attempts,
            backoff: ms("UPFRONT_NOTIFY_BACKOFF_MS").unwrap_or(d.backoff),
            timeout: ms("UPFRONT_NOTIFY_TIMEOUT_MS").unwrap_or(d.timeout),
        }
    }

    /// Runs `f` until it succeeds, fails for good, or runs out of tries.
    /// Returns the last failure and how many tries were made.
    pub fn run(&self, mut f: impl FnMut() -> Result<(), Failure>) -> Result<u32, (Failure, u32)> {
        let mut wait = self.backoff;
        let mut tries = 0;
        loop {
            tries += 1;
            match f() {
                Ok(()) => return Ok(tries),
                Err(f) if !f.transient || tries >= self.attempts => return Err((f, tries)),
                Err(_) => {
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2);
                }
            }
        }
    }
}

/// Why a delivery failed, in words that hold no secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub reason: String,
    /// Worth trying again (now, with backoff, or on the next run).
    pub transient: bool,
}

impl Failure {
    fn transient(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            transient: true,
        }
    }
    fn permanent(reason: impl Into<String>) -> Failure {
        Failure {
            reason: reason.into(),
            transient: false,
        }
    }
}

/// Replaces every secret (and its URL-decoded form) in `text`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    let mut all: Vec<String> = Vec::new();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        all.push(s.clone());
        let decoded = percent_decode(s);
        if decoded != *s {
            all.push(decoded);
        }
    }
    // Longest first, so a secret holding another is replaced whole.
    all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in all {
        out = out.replace(&s, "[redacted]");
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A blocking HTTP client with the run's timeout; statuses are answers,
/// not errors, so each is judged here.
pub fn agent(retry: &Retry) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(retry.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("upfront/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// POSTs a JSON body once.
pub fn post_json(
    agent: &ureq::Agent,
    url: &str,
    body: &[u8],
    headers: &[(&str, String)],
) -> Result<(), Failure> {
    let mut req = agent
        .post(url)
        .header("Content-Type", "application/json; charset=utf-8");
    for (k, v) in headers {
        req = req.header(*k, v.as_str());
    }
    let mut resp = req.send(body).map_err(http_failure)?;
    let status = resp.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let mut said = resp
        .body_mut()
        .with_config()
        .limit(4096)
        .read_to_string()
        .unwrap_or_default();
    said = said.split_whitespace().collect::<Vec<_>>().join(" ");
    if said.chars().count() > 200 {
        said = said.chars().take(200).collect::<String>() + "…";
    }
    let reason = if said.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {said}")
    };
    // 5xx and "slow down" may pass; any other answer will not by retrying.
    if status >= 500 || status == 429 || status == 408 {
        Err(Failure::transient(reason))
    } else {
        Err(Failure::permanent(reason))
    }
}

/// ureq's errors, by kind only: their text can hold the URL, which for
/// Slack, Discord and Teams is the secret.
fn http_failure(e: ureq::Error) -> Failure {
    use std::io::ErrorKind;
    match e {
        ureq::Error::Timeout(_) => Failure::transient("timed out"),
        ureq::Error::HostNotFound => Failure::transient("host not found"),
        ureq::Error::ConnectionFailed => Failure::transient("connection failed"),
        ureq::Error::Io(io) => Failure::transient(match io.kind() {
            ErrorKind::ConnectionRefused => "connection refused".to_string(),
            ErrorKind::ConnectionReset => "connection reset".to_string(),
            ErrorKind::ConnectionAborted => "connection aborted".to_string(),
            ErrorKind::TimedOut | ErrorKind::WouldBlock => "timed out".to_string(),
            ErrorKind::UnexpectedEof => "the server closed the connection".to_string(),
            kind => format!("network error ({kind})"),
        }),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            Failure::permanent("the URL is not a valid http(s) URL")
        }
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => Failure::transient("TLS handshake failed"),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => {
            Failure::permanent("too many or broken redirects")
        }
        _ => Failure::transient("the request failed"),
    }
}

/// How to reach an SMTP server, from a URL such as
/// `smtp://user:pass@host:587` or `smtps://user:pass@host:465`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `smtp://`: STARTTLS, required.
    StartTls,
    /// `smtp://` to a loopback address: STARTTLS when the server offers
    /// it, plain otherwise (a local relay or a test server).
    Opportunistic,
}

impl Smtp {
    /// Parses the URL; the error never repeats it (it holds a password).
    pub fn parse(url: &str) -> Result<Smtp, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or("is not a URL (expected smtp://user:password@host:port or smtps://…)")?;
        let secure = match scheme.to_ascii_lowercase().as_str() {
            "smtps" => true,
            "smtp" => false,
            _ => return Err("must start with smtp:// or smtps://".into()),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port) = match hostport.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6
                    .split_once(']')
                    .ok_or("has an unclosed `[` in its host")?;
                (h.to_string(), after.strip_prefix(':'))
            }
            None => match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (hostport.to_string(), None),
            },
        };
        if host.is_empty() {
            return Err("has no host".into());
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| "has a port that is not a number")?,
            None if secure => 465,
            None => 587,
        };
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((n, p)) => (Some(percent_decode(n)), Some(percent_decode(p))),
                None => (Some(percent_decode(u)), None),
            },
            None => (None, None),
        };
        let loopback = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        let security = match (secure, loopback) {
            (true, _) => Security::Implicit,
            (false, true) => Security::Opportunistic,
            (false, false) => Security::StartTls,
        };
        Ok(Smtp {
            host,
            port,
            security,
            user,
            password,
        })
    }

    pub fn transport(&self, retry: &Retry) -> Result<SmtpTransport, Failure> {
        let tls = || {
            TlsParameters::new(self.host.clone())
                .map_err(|_| Failure::permanent("cannot set up TLS for the SMTP host"))
        };
        let tls = match self.security {
            Security::Implicit => Tls::Wrapper(tls()?),
            Security::StartTls => Tls::Required(tls()?),
            Security::Opportunistic => Tls::Opportunistic(tls()?),
        };
        let mut b = SmtpTransport::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(retry.timeout));
        if let Some(user) = &self.user {
            b = b.credentials(Credentials::new(
                user.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(b.build())
    }
}

/// Submits one mail once.
pub fn send_mail(transport: &SmtpTransport, mail: &lettre::Message) -> Result<(), Failure> {
    transport.send(mail).map(|_| ()).map_err(|e| {
        let reason = format!("SMTP: {e}");
        if e.is_permanent() {
            Failure::permanent(reason)
        } else {
            // Transient replies (4xx), timeouts, refused or dropped connections.
            Failure::transient(reason)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls() {
        let s = Smtp::parse("smtp://me%40x.test:p%3Ass@mail.x.test").unwrap();
        assert_eq!(
            s,
            Smtp {
                host: "mail.x.test".into(),
                port: 587,
                security: Security::StartTls,
                user: Some("me@x.test".into()),
                password: Some("p:ss".into()),
            }
        );
        let s = Smtp::parse("smtps://mail.x.test").unwrap();
        assert_eq!((s.port, s.security), (465, Security::Implicit));
        let s = Smtp::parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!((s.port, s.security), (2525, Security::Opportunistic));
        let e = Smtp::parse("http://u:hunter22@x").unwrap_err();
        assert!(!e.contains("hunter22"), "{e}");
        assert!(Smtp::parse("smtp://x:port").is_err());
    }

    #[test]
    fn redact_takes_out_secrets_and_their_decoded_forms() {
        let secrets = vec!["https://h.test/T0/SEKRIT".to_string(), "p%40ss".to_string()];
        assert_eq!(
            redact("POST https://h.test/T0/SEKRIT failed; pass p@ss", &secrets),
            "POST [redacted] failed; pass [redacted]"
        );
    }

    #[test]
    fn retry_backs_off_and_stops_on_permanent_failures() {
        let retry = Retry {
            attempts: 3,
            backoff: Duration::from_millis(1),
            timeout: Duration::from_secs(1),
        };
        let mut n = 0;
        let r = retry.run(|| {
            n += 1;
            if n < 3 {
                Err(Failure::transient("x"))
            } else {
                Ok(())
            }
        });
        assert_eq!(r, Ok(3));
        assert_eq!(
            retry.run(|| Err(Failure::transient("down"))),
            Err((Failure::transient("down"), 3))
        );
        assert_eq!(
            retry.run(|| Err(Failure::permanent("404"))),
            Err((Failure::permanent("404"), 1))
        );
    }
}
