//! `upfront init`: a small site that builds at once.

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
];

/// Writes the scaffold into `dir`, refusing to overwrite any file.
pub fn init(dir: &Path) -> Result<(), Error> {
    if let Some((name, _)) = FILES.iter().find(|(name, _)| dir.join(name).exists()) {
        return Err(Error::in_file(
            &dir.join(name),
            "already exists; upfront init never overwrites a file",
        )
        .hint("run it in an empty folder, or pass a new folder: `upfront init my-status`"));
    }
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(parent, "create directory", &e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io(&path, "write", &e))?;
    }
    Ok(())
}
