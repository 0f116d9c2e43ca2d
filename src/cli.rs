//! Command-line arguments, turned into validated options; nothing else.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::build::{self, BuildOptions};
use crate::content::Time;
use crate::error::{Error, Errors};

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
