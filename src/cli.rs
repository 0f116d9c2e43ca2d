//! Command-line arguments, turned into validated options; nothing else.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::build::{self, BuildOptions};
use crate::content::Time;
use crate::error::{Error, Errors};
use crate::serve::ServeOptions;
use crate::watch::WatchOptions;

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
    /// Scaffold a new site that builds at once
    Init {
        /// Where to create it (default: the current directory)
        dir: Option<PathBuf>,
    },
    /// Build the site into the output directory
    Build(BuildArgs),
    /// Build, watch and serve the site with live reload (preview only)
    Serve(ServeArgs),
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
        .find(|d| d.join(crate::config::FILE_NAME).is_file())
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
            eprintln!("{errors}");
            1
        }
    }
}

fn run(cli: Cli) -> Result<(), Errors> {
    match cli.command {
        Command::Init { dir } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from("."));
            crate::scaffold::init(&dir)?;
            println!(
                "created a site in {}; build it with: upfront build --root {}",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
        Command::Build(args) if args.watch => Ok(crate::watch::build_watch(
            args.options(),
            args.watching.options(),
            args.quiet,
        )?),
        Command::Serve(args) => {
            require_site(&args.site.root())?;
            Ok(crate::serve::serve(ServeOptions {
                build: BuildOptions {
                    root: args.site.root(),
                    drafts: args.drafts,
                    ..BuildOptions::default()
                },
                watch: args.watch.options(),
                bind: args.bind,
                port: args.port,
                log_requests: args.verbose,
            })?)
        }
        Command::Build(args) => {
            let built = build::build(&args.options())?;
            if !args.quiet {
                println!(
                    "upfront: wrote {} files to {} in {} ms",
                    built.files,
                    built.output.display(),
                    built.timings.total().as_millis()
                );
            }
            Ok(())
        }
    }
}

/// Used by commands that take a site: a clear error when there is none.
pub fn require_site(root: &Path) -> Result<(), Error> {
    if root.join(crate::config::FILE_NAME).is_file() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "no site.toml in {} or any folder above it",
            root.display()
        ))
        .hint("run `upfront init` to create a site, or pass --root"))
    }
}
