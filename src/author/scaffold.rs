//! `upfront init`: a small site that builds at once, a `.gitignore`, and
//! the CI configuration of the host it will be published on.

use std::path::Path;

use crate::vocab::error::Error;

const FILES: &[(&str, &str)] = &[
    ("site.toml", include_str!("scaffold/site.toml")),
    ("content/index.md", include_str!("scaffold/index.md")),
    (
        "content/pages/downloads.md",
        include_str!("scaffold/downloads.md"),
    ),
    (
        "content/incidents/welcome.md",
        include_str!("scaffold/welcome.md"),
    ),
    ("layouts/README.md", include_str!("../../layouts/README.md")),
    (".gitignore", include_str!("scaffold/hosts/gitignore")),
];

/// Where the site is published: decides the CI files `init` writes.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Host {
    /// GitHub Pages, through GitHub Actions
    GithubPages,
    /// GitLab Pages, through GitLab CI
    GitlabPages,
    /// Netlify, deployed from GitHub Actions with the Netlify CLI
    Netlify,
    /// Cloudflare Pages, deployed from GitHub Actions with wrangler
    CloudflarePages,
    /// An S3-compatible bucket, deployed from GitHub Actions with `upfront deploy`
    S3,
    /// No CI configuration
    #[default]
    None,
}

/// The GitHub Actions workflow's path, for the hosts deployed from it.
pub const GITHUB_WORKFLOW: &str = ".github/workflows/upfront.yml";

impl Host {
    /// The CI files for this host: (path in the site, text with `{{VERSION}}`).
    pub fn files(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Host::GithubPages => &[(
                GITHUB_WORKFLOW,
                include_str!("scaffold/hosts/github-pages.yml"),
            )],
            Host::GitlabPages => &[(
                ".gitlab-ci.yml",
                include_str!("scaffold/hosts/gitlab-pages.yml"),
            )],
            Host::Netlify => &[
                (GITHUB_WORKFLOW, include_str!("scaffold/hosts/netlify.yml")),
                ("netlify.toml", include_str!("scaffold/hosts/netlify.toml")),
            ],
            Host::CloudflarePages => &[
                (
                    GITHUB_WORKFLOW,
                    include_str!("scaffold/hosts/cloudflare-pages.yml"),
                ),
                (
                    "wrangler.toml",
                    include_str!("scaffold/hosts/wrangler.toml"),
                ),
            ],
            Host::S3 => &[(GITHUB_WORKFLOW, include_str!("scaffold/hosts/s3.yml"))],
            Host::None => &[],
        }
    }
}

/// Writes the scaffold and the host's CI files into `dir`, refusing to
/// overwrite any file. Returns the paths written, relative to `dir`.
pub fn init(dir: &Path, host: Host) -> Result<Vec<&'static str>, Error> {
    let files: Vec<(&str, String)> = FILES
        .iter()
        .map(|(name, text)| (*name, text.to_string()))
        .chain(host.files().iter().map(|(name, text)| {
            (
                *name,
                text.replace("{{VERSION}}", env!("CARGO_PKG_VERSION")),
            )
        }))
        .collect();
    if let Some((name, _)) = files.iter().find(|(name, _)| dir.join(name).exists()) {
        return Err(Error::in_file(
            &dir.join(name),
            "already exists; upfront init never overwrites a file",
        )
        .hint("run it in an empty folder, or pass a new folder: `upfront init my-status`"));
    }
    for (name, text) in &files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(parent, "create directory", &e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, "write", &e))?;
    }
    Ok(files.into_iter().map(|(name, _)| name).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_but_none_schedules_a_rebuild_every_five_minutes() {
        use clap::ValueEnum;
        for host in Host::value_variants() {
            let ci: Vec<&str> = host
                .files()
                .iter()
                .filter(|(p, _)| p.ends_with(".yml"))
                .map(|(_, t)| *t)
                .collect();
            match host {
                Host::None => assert!(ci.is_empty()),
                // GitLab keeps schedules outside the file: the file says how.
                Host::GitlabPages => assert!(ci[0].contains("\"*/5 * * * *\"")),
                _ => assert!(ci[0].contains("- cron: \"*/5 * * * *\""), "{host:?}"),
            }
            for text in ci {
                assert!(text.contains("{{VERSION}}"), "{host:?}");
                assert!(text.contains("notif"), "{host:?}: keeps the notify record");
            }
        }
    }

    #[test]
    fn the_sample_publishes_nothing_misleading() {
        let welcome = FILES
            .iter()
            .find(|(p, _)| p.ends_with("welcome.md"))
            .unwrap()
            .1;
        assert!(welcome.contains("\ndraft: true\n"));
        let site = FILES[0].1;
        let base = site
            .lines()
            .find_map(|l| l.strip_prefix("base_url = "))
            .unwrap()
            .trim_matches('"');
        assert!(crate::pipeline::deploy::is_placeholder(base), "{base}");
    }
}
