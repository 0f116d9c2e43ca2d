//! Command-line arguments, turned into validated options; nothing else.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::author::scaffold::Host;
use crate::author::workflow;
use crate::author::workflow::At;
use crate::dev::serve::ServeOptions;
use crate::dev::watch::WatchOptions;
use crate::pipeline::build::{self, BuildOptions};
use crate::pipeline::deploy::{DeployOptions, Target};
use crate::source::config::Config;
use crate::vocab::error::{Error, Errors};
use crate::vocab::times::Time;

#[derive(Parser, Debug)]
#[command(
    name = "upfront",
    version,
    about = "Static incident communications: status page, notices, open letters"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scaffold a new site that builds at once, with a .gitignore and CI
    ///
    /// Writes site.toml, sample content (its example incident is a draft),
    /// a .gitignore and, with --host, that host's CI configuration: build on
    /// push, rebuild every 5 minutes, deploy, notify. Never overwrites a file.
    Init {
        /// Where to create it (default: the current directory)
        dir: Option<PathBuf>,
        /// Where the site will be published: decides the CI files written
        #[arg(long, value_enum, default_value_t = Host::None)]
        host: Host,
    },
    /// Build the site into the output directory
    Build(BuildArgs),
    /// Build, watch and serve the site with live reload (preview only)
    Serve(ServeArgs),
    /// Write a new incident, letter or page
    New {
        #[command(subcommand)]
        what: NewCommand,
    },
    /// Append a timestamped update to an incident's timeline
    Update(UpdateArgs),
    /// Append the resolving update (`completed` for a maintenance)
    Resolve(ResolveArgs),
    /// Change an incident's title, severity, affected components or summary, keeping every other byte
    Edit(EditArgs),
    /// Publish a draft incident or letter: drop its `draft` key
    Publish(PublishArgs),
    /// Validate everything a build would, and links; write nothing
    Check(CheckArgs),
    /// Import incidents from another status page tool
    Import {
        #[command(subcommand)]
        from: ImportCommand,
    },
    /// Build, then publish only what changed to a bucket or a live directory
    ///
    /// TARGET is s3://BUCKET[/PREFIX] (any S3-compatible service; configured
    /// by AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
    /// AWS_ENDPOINT_URL) or file:///DIR (a directory a web server on this
    /// machine serves, swapped atomically). Files go up in an order that
    /// keeps the published site working: assets, then pages, then the
    /// homepage; deletions last. Refuses a placeholder base_url.
    Deploy(DeployArgs),
    /// Print shell completions to standard output
    ///
    /// e.g. `upfront completions bash > ~/.local/share/bash-completion/completions/upfront`,
    /// `upfront completions zsh > ~/.zfunc/_upfront`,
    /// `upfront completions fish > ~/.config/fish/completions/upfront.fish`.
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output, or write all of them
    ///
    /// `upfront man | man -l -` reads it at once; `upfront man --dir DIR`
    /// writes upfront.1 and one upfront-COMMAND.1 per command, for
    /// /usr/local/share/man/man1 or a package.
    Man {
        /// Write upfront.1 and upfront-COMMAND.1 pages into this directory
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Send each new incident, update, resolution, letter and maintenance to the [[notify]] channels, once
    Notify(NotifyArgs),
}

#[derive(Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// s3://BUCKET[/PREFIX] or file:///DIR
    #[arg(value_parser = parse_target)]
    pub target: Target,
    /// Build directory before publishing (default: output_dir in site.toml)
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Override base_url, e.g. for a staging deploy
    #[arg(long)]
    pub base_url: Option<String>,
    /// Publish drafts too (e.g. to a staging bucket)
    #[arg(long)]
    pub drafts: bool,
    /// The moment the site describes (RFC 3339; default: now)
    #[arg(long, value_parser = build::parse_time)]
    pub now: Option<Time>,
    /// List what would be uploaded and deleted; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// After a successful deploy, notify subscribers of what is new (`upfront notify`)
    #[arg(long)]
    pub notify: bool,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_target(s: &str) -> Result<Target, String> {
    s.parse()
}

#[derive(Args, Debug)]
pub struct NotifyArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Print what would be sent; send nothing, record nothing
    #[arg(long)]
    pub dry_run: bool,
    /// For channels with no record yet: the status.json (file or http(s) URL) the public has seen
    #[arg(long, value_name = "FILE|URL")]
    pub previous: Option<String>,
    /// Override base_url for the links in messages
    #[arg(long)]
    pub base_url: Option<String>,
    /// The moment the site describes (RFC 3339; default: now)
    #[arg(long, value_parser = build::parse_time)]
    pub now: Option<Time>,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// A cState (Hugo) site: content/issues/*.md become incidents, systems components
    Cstate(ImportCstateArgs),
}

#[derive(Args, Debug)]
pub struct ImportCstateArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The cState site's root: the folder holding content/issues/
    pub dir: PathBuf,
    /// Zone of times written without one (default: the cState config's timeZone, else UTC)
    #[arg(long, value_parser = parse_tz)]
    pub timezone: Option<chrono_tz::Tz>,
    /// Print the report and the site.toml additions; write nothing
    #[arg(long)]
    pub dry_run: bool,
}

fn parse_tz(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not an IANA time zone name (e.g. UTC, Europe/Berlin)"))
}

#[derive(Subcommand, Debug)]
pub enum NewCommand {
    /// A new incident, acknowledged with a first `investigating` update
    Incident(NewIncidentArgs),
    /// A new open letter (written as a draft)
    Letter(NewLetterArgs),
    /// A new page
    Page(NewPageArgs),
}

#[derive(Args, Debug)]
pub struct NewIncidentArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The incident's title, as customers will read it
    pub title: String,
    /// minor | major | critical | maintenance
    #[arg(long)]
    pub severity: String,
    /// Affected component ids, comma-separated
    #[arg(long, value_delimiter = ',', required = true)]
    pub affects: Vec<String>,
    /// The first update's message (Markdown; `-` reads standard input)
    #[arg(long)]
    pub message: Option<String>,
    /// One line for banners
    #[arg(long)]
    pub summary: Option<String>,
    /// When it started (`2026-12-02 16:00` in the site's timezone, or RFC 3339; default: now)
    #[arg(long, value_parser = workflow::parse_at)]
    pub at: Option<At>,
    /// A maintenance window's start (`2026-12-02 16:00` or RFC 3339)
    #[arg(long, value_parser = workflow::parse_at)]
    pub starts: Option<At>,
    /// A maintenance window's end (`2026-12-02 18:00` or RFC 3339)
    #[arg(long, value_parser = workflow::parse_at)]
    pub ends: Option<At>,
    /// The URL name (a-z, 0-9, -); default: made from the title
    #[arg(long)]
    pub slug: Option<String>,
}

#[derive(Args, Debug)]
pub struct NewLetterArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The letter's title
    pub title: String,
    /// Who signs it
    #[arg(long)]
    pub author: String,
    /// The signer's role, under the name (e.g. "President and CEO")
    #[arg(long)]
    pub role: Option<String>,
    /// The slug of the incident the letter is about
    #[arg(long)]
    pub incident: Option<String>,
    /// The URL name (a-z, 0-9, -); default: made from the title
    #[arg(long)]
    pub slug: Option<String>,
}

#[derive(Args, Debug)]
pub struct NewPageArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The page's title; its URL is made from it
    pub name: String,
    /// The URL name (a-z, 0-9, -); default: made from the title
    #[arg(long)]
    pub slug: Option<String>,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The incident's slug
    pub slug: String,
    /// investigating | identified | monitoring | resolved (maintenance: scheduled | in_progress | completed)
    #[arg(long)]
    pub status: String,
    /// Markdown; `-` reads standard input; none on a terminal opens $EDITOR
    #[arg(long)]
    pub message: Option<String>,
    /// The update's time (`2026-12-02 16:00` in the site's timezone, or RFC 3339; default: now)
    #[arg(long, value_parser = workflow::parse_at)]
    pub at: Option<At>,
    /// Allow an update after the incident was resolved
    #[arg(long)]
    pub reopen: bool,
}

#[derive(Args, Debug)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The incident's slug
    pub slug: String,
    /// Markdown; `-` reads standard input; none on a terminal opens $EDITOR
    #[arg(long)]
    pub message: Option<String>,
    /// The resolution's time (`2026-12-02 16:00` in the site's timezone, or RFC 3339; default: now)
    #[arg(long, value_parser = workflow::parse_at)]
    pub at: Option<At>,
}

#[derive(Args, Debug)]
pub struct EditArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The incident's slug
    pub slug: String,
    /// A new title
    #[arg(long)]
    pub title: Option<String>,
    /// minor | major | critical | maintenance
    #[arg(long)]
    pub severity: Option<String>,
    /// Affected component ids, comma-separated; each takes the severity's impact
    #[arg(long, value_delimiter = ',', conflicts_with = "impact")]
    pub affects: Option<Vec<String>>,
    /// Affected components with their own impact: api=major_outage,db=degraded_performance
    /// (degraded_performance | partial_outage | major_outage | under_maintenance)
    #[arg(long, value_delimiter = ',', value_parser = workflow::parse_impact)]
    pub impact: Option<Vec<(String, crate::vocab::choice::Impact)>>,
    /// A new one-line summary for banners
    #[arg(long)]
    pub summary: Option<String>,
}

#[derive(Args, Debug)]
pub struct PublishArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// The slug of the draft incident or letter
    pub slug: String,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Check drafts too
    #[arg(long)]
    pub drafts: bool,
    /// text for people, json for CI and editors
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// Poll for changes instead of native file events (network file systems)
    #[arg(long)]
    pub poll: bool,
    /// Quiet time in milliseconds that gathers the events of one save
    #[arg(long, default_value_t = 20, value_name = "MS")]
    pub debounce: u64,
}

impl WatchArgs {
    fn options(&self) -> WatchOptions {
        WatchOptions {
            debounce: Duration::from_millis(self.debounce),
            poll: self.poll,
        }
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Port to listen on; if taken, the next free one. 0: any free port
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to listen on. Loopback by default: the preview is not for the world
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Show drafts too
    #[arg(long)]
    pub drafts: bool,
    /// Print a line for every request
    #[arg(short, long)]
    pub verbose: bool,
    /// Preview the site as it will be at this moment (RFC 3339; default:
    /// now), e.g. before a maintenance window starts
    #[arg(long, value_parser = build::parse_time)]
    pub now: Option<Time>,
    #[command(flatten)]
    pub watch: WatchArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SiteArgs {
    /// The site root (default: the nearest folder upwards holding site.toml)
    #[arg(long)]
    pub root: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    #[command(flatten)]
    pub site: SiteArgs,
    /// Output directory (default: output_dir in site.toml)
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Override base_url, e.g. for a staging deploy
    #[arg(long)]
    pub base_url: Option<String>,
    /// Build drafts too
    #[arg(long)]
    pub drafts: bool,
    /// The moment the site describes (RFC 3339; default: now)
    #[arg(long, value_parser = build::parse_time)]
    pub now: Option<Time>,
    /// Print nothing on success
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the time each stage took (load, Markdown, render, write)
    #[arg(long)]
    pub timings: bool,
    /// Keep watching and rebuild on every change
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub watching: WatchArgs,
}

impl SiteArgs {
    /// `--root`, or the nearest ancestor of the current folder with a
    /// site.toml (as git finds its repository), or the current folder.
    pub fn root(&self) -> PathBuf {
        if let Some(r) = &self.root {
            return r.clone();
        }
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        find_root(&cwd).unwrap_or(cwd)
    }
}

fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(crate::source::config::FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

impl BuildArgs {
    pub fn options(&self) -> BuildOptions {
        BuildOptions {
            root: self.site.root(),
            output: self.output.clone(),
            base_url: self.base_url.clone(),
            drafts: self.drafts,
            now: self.now,
        }
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => 0,
        Err(errors) => {
            // An empty list: the command has already said why (check --format json).
            if !errors.is_empty() {
                eprintln!("{errors}");
            }
            1
        }
    }
}

fn run(cli: Cli) -> Result<(), Errors> {
    match cli.command {
        Command::Init { dir, host } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            let written = crate::author::scaffold::init(&dir, host)?;
            println!(
                "created a site in {}; build it with: upfront build --root {}",
                dir.display(),
                dir.display()
            );
            for ci in written
                .iter()
                .filter(|p| p.ends_with(".yml") || p.ends_with(".toml"))
            {
                if *ci != crate::source::config::FILE_NAME {
                    println!("wrote {ci}: read its first lines for the one-time setup");
                }
            }
            println!("before deploying, set base_url in site.toml to the site's public URL");
            Ok(())
        }
        Command::Deploy(a) => deploy(a),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "upfront",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Man { dir } => man(dir.as_deref()),
        Command::Build(args) if args.watch => Ok(crate::dev::watch::build_watch(
            args.options(),
            args.watching.options(),
            args.quiet,
        )?),
        Command::Serve(args) => {
            require_site(&args.site.root())?;
            Ok(crate::dev::serve::serve(ServeOptions {
                build: BuildOptions {
                    root: args.site.root(),
                    drafts: args.drafts,
                    now: args.now,
                    ..BuildOptions::default()
                },
                watch: args.watch.options(),
                bind: args.bind,
                port: args.port,
                log_requests: args.verbose,
            })?)
        }
        Command::New { what } => new(what),
        Command::Import {
            from: ImportCommand::Cstate(a),
        } => {
            let root = a.site.root();
            require_site(&root)?;
            let report = crate::author::import::cstate(&crate::author::import::ImportOptions {
                root,
                source: a.dir,
                timezone: a.timezone,
                dry_run: a.dry_run,
            })?;
            print!("{}", report.render());
            Ok(())
        }
        Command::Update(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            let message = message_from(a.message.as_deref())?;
            let w = workflow::append_update(
                &root,
                &config,
                &workflow::NewUpdate {
                    slug: a.slug,
                    status: Some(a.status),
                    message,
                    at: a.at,
                    reopen: a.reopen,
                },
            )?;
            print_written("updated", &w);
            Ok(())
        }
        Command::Resolve(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            let message = message_from(a.message.as_deref())?;
            let w = workflow::append_update(
                &root,
                &config,
                &workflow::NewUpdate {
                    slug: a.slug,
                    status: None,
                    message,
                    at: a.at,
                    reopen: false,
                },
            )?;
            print_written("resolved", &w);
            Ok(())
        }
        Command::Edit(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            let w = workflow::edit_incident(
                &root,
                &config,
                &workflow::Edit {
                    slug: a.slug,
                    title: a.title,
                    severity: a.severity,
                    affects: a.affects,
                    impact: a.impact,
                    summary: a.summary,
                },
            )?;
            print_written("edited", &w);
            Ok(())
        }
        Command::Publish(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            let (w, changed) = workflow::publish(&root, &config, &a.slug)?;
            if changed {
                print_written("published", &w);
            } else {
                println!(
                    "{} is not a draft; nothing to do (it is at {})",
                    w.path.display(),
                    w.url
                );
            }
            Ok(())
        }
        Command::Check(a) => {
            let root = a.site.root();
            require_site(&root)?;
            if a.format == Format::Text {
                for w in crate::pipeline::check::warnings(&root) {
                    eprintln!("warning: {w}");
                }
            }
            let errors = crate::pipeline::check::check(&BuildOptions {
                root: root.clone(),
                drafts: a.drafts,
                ..BuildOptions::default()
            });
            if let Ok(config) = Config::load(&root) {
                if let Some(w) = crate::pipeline::deploy::placeholder_warning(&config.base_url) {
                    eprintln!("{w}");
                }
            }
            match a.format {
                Format::Json => println!("{}", crate::pipeline::check::to_json(&errors)),
                Format::Text if errors.is_empty() => println!("upfront: no problems found"),
                Format::Text => {}
            }
            if errors.is_empty() {
                Ok(())
            } else if a.format == Format::Json {
                Err(Errors::default())
            } else {
                Err(errors)
            }
        }
        Command::Notify(a) => {
            let root = a.site.root();
            require_site(&root)?;
            crate::pipeline::notify::run_and_print(&crate::pipeline::notify::NotifyOptions {
                root,
                base_url: a.base_url,
                now: a.now,
                dry_run: a.dry_run,
                previous: a.previous,
                retry: crate::pipeline::notify::Retry::from_env(),
            })
        }
        Command::Build(args) => {
            if args.timings {
                crate::vocab::clock::enable();
            }
            let built = build::build(&args.options())?;
            eprint!("{}", built.warnings.as_warnings());
            if !args.quiet {
                println!(
                    "upfront: wrote {} files to {} in {} ms",
                    built.files,
                    built.output.display(),
                    built.timings.total().as_millis()
                );
            }
            if args.timings {
                print!("{}", built.timings.report());
            }
            Ok(())
        }
    }
}

fn deploy(a: DeployArgs) -> Result<(), Errors> {
    let root = a.site.root();
    require_site(&root)?;
    let opts = DeployOptions {
        build: BuildOptions {
            root: root.clone(),
            output: a.output,
            base_url: a.base_url.clone(),
            drafts: a.drafts,
            now: a.now,
        },
        target: a.target,
        dry_run: a.dry_run,
    };
    let report = crate::pipeline::deploy::deploy(&opts)?;
    if !a.quiet || a.dry_run {
        println!("upfront: deployed to {}: {}", opts.target, report.summary());
    }
    if a.notify {
        // Only after every upload succeeded (SPEC §11): `?` above returned
        // on a failed deploy. The same site, time and base URL as the deploy.
        crate::pipeline::notify::run_and_print(&crate::pipeline::notify::NotifyOptions {
            root,
            base_url: a.base_url,
            now: opts.build.now,
            dry_run: a.dry_run,
            previous: None,
            retry: crate::pipeline::notify::Retry::from_env(),
        })?;
    }
    Ok(())
}

/// `upfront man`: the top page to standard output, or every page into a
/// directory (`upfront.1`, `upfront-build.1`, …) as packagers want them.
fn man(dir: Option<&Path>) -> Result<(), Errors> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    let Some(dir) = dir else {
        let mut out = std::io::stdout();
        return clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| Error::new(format!("cannot write the man page: {e}")).into());
    };
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create", &e))?;
    clap_mangen::generate_to(cmd, dir)
        .map_err(|e| Error::in_file(dir, format!("cannot write the man pages: {e}")))?;
    println!("wrote the man pages to {}", dir.display());
    Ok(())
}

fn new(what: NewCommand) -> Result<(), Errors> {
    let w = match what {
        NewCommand::Incident(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            let message = match a.message.as_deref() {
                Some(m) => Some(message_from(Some(m))?),
                None => None,
            };
            workflow::new_incident(
                &root,
                &config,
                &workflow::NewIncident {
                    title: a.title,
                    slug: a.slug,
                    severity: a.severity,
                    affects: a.affects,
                    message,
                    summary: a.summary,
                    at: a.at,
                    starts: a.starts,
                    ends: a.ends,
                },
            )?
        }
        NewCommand::Letter(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            let w = workflow::new_letter(
                &root,
                &config,
                &workflow::NewLetter {
                    title: a.title,
                    slug: a.slug,
                    author: a.author,
                    role: a.role,
                    incident: a.incident,
                },
            )?;
            let slug = w
                .url
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            println!("note: the letter is a draft; preview it with `upfront serve --drafts`, publish it with `upfront publish {slug}`");
            w
        }
        NewCommand::Page(a) => {
            let root = a.site.root();
            let config = site_config(&root)?;
            workflow::new_page(&root, &config, &a.name, a.slug.as_deref())?
        }
    };
    print_written("wrote", &w);
    Ok(())
}

fn print_written(what: &str, w: &workflow::Written) {
    println!("{what} {}; it will be at {}", w.path.display(), w.url);
}

fn site_config(root: &Path) -> Result<Config, Errors> {
    require_site(root)?;
    Config::load(root)
}

/// `--message TEXT`, `--message -` (standard input), or, with neither and a
/// terminal, the text written in $VISUAL / $EDITOR.
fn message_from(arg: Option<&str>) -> Result<String, Errors> {
    use std::io::{IsTerminal, Read};
    match arg {
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| Error::new(format!("cannot read standard input: {e}")))?;
            Ok(text)
        }
        Some(m) => Ok(m.to_string()),
        None if std::io::stdin().is_terminal() => edit_message(),
        None => Err(Error::new("no message given")
            .hint("pass --message TEXT, or --message - to read it from standard input")
            .into()),
    }
}

fn edit_message() -> Result<String, Errors> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let path = std::env::temp_dir().join(format!("upfront-message-{}.md", std::process::id()));
    std::fs::write(&path, "").map_err(|e| Error::io(&path, "write", &e))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .map_err(|e| Error::new(format!("cannot start the editor `{editor}`: {e}")))?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    if !status.success() {
        return Err(
            Error::new(format!("the editor `{editor}` failed; nothing was changed")).into(),
        );
    }
    Ok(text)
}

/// Used by commands that take a site: a clear error when there is none.
pub fn require_site(root: &Path) -> Result<(), Error> {
    if root.join(crate::source::config::FILE_NAME).is_file() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "no site.toml in {} or any folder above it",
            root.display()
        ))
        .hint("run `upfront init` to create a site, or pass --root"))
    }
}

#[cfg(test)]
mod help {
    use super::*;
    use clap::CommandFactory;

    /// Every subcommand says what it does and every argument what it takes,
    /// in `--help`.
    #[test]
    fn every_command_and_argument_has_a_description() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(name.clone());
                }
                for arg in sub.get_arguments() {
                    let id = arg.get_id().as_str();
                    if id != "help" && id != "version" && arg.get_help().is_none() {
                        missing.push(format!("{name} {id}"));
                    }
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "upfront", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:#?}");
    }
}
