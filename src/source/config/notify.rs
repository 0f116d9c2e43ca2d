//! The `[[notify]]` channels of site.toml (SPEC §11), checked as strictly as
//! the rest of the file. A channel names environment variables, never a
//! secret: the repository holds no URL, password or key.

use std::path::Path;

use serde::Deserialize;

use crate::vocab::error::{choice_hint, Error, Errors};

/// One `[[notify]]` table as written: every key any kind takes, so an
/// unknown key is refused by serde with the key and the line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawChannel {
    kind: Kind,
    url_env: Option<String>,
    secret_env: Option<String>,
    smtp_env: Option<String>,
    from: Option<String>,
    to: Option<Vec<String>>,
    components: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Slack,
    Discord,
    Teams,
    Webhook,
    Email,
}

/// Where a channel delivers; each variant holds exactly the settings its
/// kind needs, so a webhook without a secret cannot exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Slack {
        url_env: String,
    },
    Discord {
        url_env: String,
    },
    Teams {
        url_env: String,
    },
    Webhook {
        url_env: String,
        secret_env: String,
    },
    Email {
        smtp_env: String,
        from: String,
        to: Vec<String>,
    },
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Slack { .. } => "slack",
            Target::Discord { .. } => "discord",
            Target::Teams { .. } => "teams",
            Target::Webhook { .. } => "webhook",
            Target::Email { .. } => "email",
        }
    }
}

/// A checked `[[notify]]` channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyChannel {
    pub target: Target,
    /// Only incidents touching one of these components (None: all).
    pub components: Option<Vec<String>>,
    /// The line of its `[[notify]]` header in site.toml.
    pub line: Option<usize>,
}

impl NotifyChannel {
    /// Whether the channel's `components` let through an incident that
    /// affects `affected` (every incident, without a filter).
    pub fn takes<'c>(&self, mut affected: impl Iterator<Item = &'c str>) -> bool {
        match &self.components {
            None => true,
            Some(filter) => affected.any(|c| filter.iter().any(|f| f == c)),
        }
    }

    /// The channel's name in `.upfront/notified.json` and in messages to
    /// the user: its kind and the variable names, never their values, so
    /// rotating a secret does not make a channel new.
    pub fn id(&self) -> String {
        match &self.target {
            Target::Slack { url_env }
            | Target::Discord { url_env }
            | Target::Teams { url_env }
            | Target::Webhook { url_env, .. } => format!("{}:{url_env}", self.target.kind()),
            Target::Email { smtp_env, to, .. } => format!("email:{smtp_env}:{}", to.join(",")),
        }
    }
}

/// Checks every raw channel against the rules no type can hold: the keys a
/// kind needs and takes, variable names, addresses, component ids.
pub(crate) fn check(
    raw: Vec<RawChannel>,
    components: &[&str],
    text: &str,
    path: &Path,
) -> Result<Vec<NotifyChannel>, Errors> {
    let headers = header_lines(text);
    let mut errors = Errors::default();
    let mut channels = Vec::new();
    for (n, r) in raw.into_iter().enumerate() {
        let line = headers.get(n).copied();
        let at = |key: &str| key_line(text, line, key).or(line);
        let mut err = |key: &str, message: String, hint: &str| {
            let mut e = Error::in_file(path, message).at_line(at(key));
            if !hint.is_empty() {
                e = e.hint(hint.to_string());
            }
            errors.push(e);
        };
        let kind = kind_name(r.kind);
        let takes: &[&str] = match r.kind {
            Kind::Slack | Kind::Discord | Kind::Teams => &["url_env"],
            Kind::Webhook => &["url_env", "secret_env"],
            Kind::Email => &["smtp_env", "from", "to"],
        };
        let given = [
            ("url_env", r.url_env.is_some()),
            ("secret_env", r.secret_env.is_some()),
            ("smtp_env", r.smtp_env.is_some()),
            ("from", r.from.is_some()),
            ("to", r.to.is_some()),
        ];
        for (key, present) in given {
            if present && !takes.contains(&key) {
                err(
                    key,
                    format!("a `{kind}` notify channel takes no `{key}`"),
                    &format!("a `{kind}` channel takes {}", list(takes)),
                );
            } else if !present && takes.contains(&key) {
                err(
                    "kind",
                    format!("this `{kind}` notify channel needs `{key}`"),
                    &format!("a `{kind}` channel takes {}", list(takes)),
                );
            }
        }
        for (key, value) in [
            ("url_env", &r.url_env),
            ("secret_env", &r.secret_env),
            ("smtp_env", &r.smtp_env),
        ] {
            if let Some(v) = value {
                if !is_env_name(v) {
                    // The value may be the secret itself pasted in: never echo it.
                    err(
                        key,
                        format!("`{key}` must name an environment variable, such as `SLACK_WEBHOOK_URL`"),
                        "put the URL or secret in that variable (e.g. a CI secret), never in site.toml; \
                         if you pasted a secret here, revoke it",
                    );
                }
            }
        }
        if let Some(from) = &r.from {
            if !looks_like_address(from) {
                err(
                    "from",
                    format!("`from` = `{from}` is not an e-mail address"),
                    "",
                );
            }
        }
        if let Some(to) = &r.to {
            if to.is_empty() {
                err("to", "`to` lists no address".into(), "");
            }
            for a in to.iter().filter(|a| !looks_like_address(a)) {
                err(
                    "to",
                    format!("`to` address `{a}` is not an e-mail address"),
                    "",
                );
            }
        }
        if let Some(list) = &r.components {
            for c in list.iter().filter(|c| !components.contains(&c.as_str())) {
                err(
                    "components",
                    format!("notify channel lists unknown component `{c}`"),
                    &choice_hint(c, components),
                );
            }
        }
        let target = match r.kind {
            Kind::Slack => r.url_env.map(|url_env| Target::Slack { url_env }),
            Kind::Discord => r.url_env.map(|url_env| Target::Discord { url_env }),
            Kind::Teams => r.url_env.map(|url_env| Target::Teams { url_env }),
            Kind::Webhook => {
                r.url_env
                    .zip(r.secret_env)
                    .map(|(url_env, secret_env)| Target::Webhook {
                        url_env,
                        secret_env,
                    })
            }
            Kind::Email => match (r.smtp_env, r.from, r.to) {
                (Some(smtp_env), Some(from), Some(to)) => {
                    Some(Target::Email { smtp_env, from, to })
                }
                _ => None,
            },
        };
        if let Some(target) = target {
            let channel = NotifyChannel {
                target,
                components: r.components,
                line,
            };
            if channels
                .iter()
                .any(|c: &NotifyChannel| c.id() == channel.id())
            {
                errors.push(
                    Error::in_file(
                        path,
                        format!("two notify channels deliver to `{}`", channel.id()),
                    )
                    .at_line(line)
                    .hint("each event would be sent there twice: remove one"),
                );
            }
            channels.push(channel);
        }
    }
    errors.into_result(channels)
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Slack => "slack",
        Kind::Discord => "discord",
        Kind::Teams => "teams",
        Kind::Webhook => "webhook",
        Kind::Email => "email",
    }
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// POSIX-style: letters, digits and `_`, not starting with a digit.
fn is_env_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A plain `local@domain` (or `Name <local@domain>`); lettre checks fully
/// when it sends.
fn looks_like_address(s: &str) -> bool {
    let addr = match (s.rfind('<'), s.strip_suffix('>')) {
        (Some(i), Some(inner)) => &inner[i + 1..],
        _ => s,
    };
    match addr.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !addr.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The 1-based lines of the `[[notify]]` headers, in order.
fn header_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[notify]]"))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The line of `key = …` inside the table that starts at `header`.
fn key_line(text: &str, header: Option<usize>, key: &str) -> Option<usize> {
    let start = header?;
    text.lines()
        .enumerate()
        .skip(start)
        .take_while(|(_, l)| !l.trim_start().starts_with('['))
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use crate::source::config::Config;
    use std::path::Path;

    const BASE: &str = "title = \"A\"\nbase_url = \"https://x.test\"\n\
                        [[components]]\nid = \"api\"\nname = \"API\"\n";

    fn parse(extra: &str) -> Result<Config, String> {
        Config::parse(&format!("{BASE}{extra}"), Path::new("site.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn every_kind_parses() {
        let c = parse(
            "[[notify]]\nkind = \"slack\"\nurl_env = \"SLACK\"\ncomponents = [\"api\"]\n\
             [[notify]]\nkind = \"discord\"\nurl_env = \"DISCORD\"\n\
             [[notify]]\nkind = \"teams\"\nurl_env = \"TEAMS\"\n\
             [[notify]]\nkind = \"webhook\"\nurl_env = \"HOOK\"\nsecret_env = \"HOOK_SECRET\"\n\
             [[notify]]\nkind = \"email\"\nsmtp_env = \"SMTP_URL\"\nfrom = \"status@x.test\"\nto = [\"a@x.test\"]\n",
        )
        .unwrap();
        let ids: Vec<String> = c.notify.iter().map(|n| n.id()).collect();
        assert_eq!(
            ids,
            [
                "slack:SLACK",
                "discord:DISCORD",
                "teams:TEAMS",
                "webhook:HOOK",
                "email:SMTP_URL:a@x.test"
            ]
        );
        assert_eq!(
            c.notify[0].components.as_deref(),
            Some(&["api".to_string()][..])
        );
        assert_eq!(c.notify[0].line, Some(6));
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let e = parse("[[notify]]\nkind = \"slack\"\nurl_evn = \"S\"\n").unwrap_err();
        assert!(e.contains("site.toml:8") && e.contains("url_evn"), "{e}");
        assert!(e.contains("did you mean `url_env`"), "{e}");
    }

    #[test]
    fn unknown_kind_is_refused_with_the_kinds() {
        let e = parse("[[notify]]\nkind = \"sms\"\nurl_env = \"S\"\n").unwrap_err();
        assert!(e.contains("site.toml:7") && e.contains("sms"), "{e}");
        assert!(e.contains("`webhook`"), "{e}");
    }

    #[test]
    fn missing_and_foreign_keys_per_kind() {
        let e = parse("[[notify]]\nkind = \"webhook\"\nurl_env = \"H\"\nfrom = \"a@b.c\"\n")
            .unwrap_err();
        assert!(e.contains("needs `secret_env`"), "{e}");
        assert!(
            e.contains("site.toml:9") && e.contains("takes no `from`"),
            "{e}"
        );
    }

    #[test]
    fn a_pasted_secret_is_refused_and_not_echoed() {
        let secret = "https://hooks.slack.com/services/T000/B000/XXXXSECRET";
        let e = parse(&format!(
            "[[notify]]\nkind = \"slack\"\nurl_env = \"{secret}\"\n"
        ))
        .unwrap_err();
        assert!(e.contains("must name an environment variable"), "{e}");
        assert!(!e.contains("XXXXSECRET"), "{e}");
    }

    #[test]
    fn unknown_component_and_bad_address_and_duplicates() {
        let e = parse(
            "[[notify]]\nkind = \"slack\"\nurl_env = \"S\"\ncomponents = [\"apj\"]\n\
             [[notify]]\nkind = \"slack\"\nurl_env = \"S\"\n\
             [[notify]]\nkind = \"email\"\nsmtp_env = \"M\"\nfrom = \"nobody\"\nto = []\n",
        )
        .unwrap_err();
        assert!(
            e.contains("unknown component `apj`") && e.contains("did you mean `api`"),
            "{e}"
        );
        assert!(
            e.contains("two notify channels deliver to `slack:S`"),
            "{e}"
        );
        assert!(e.contains("`nobody` is not an e-mail address"), "{e}");
        assert!(e.contains("`to` lists no address"), "{e}");
    }
}
