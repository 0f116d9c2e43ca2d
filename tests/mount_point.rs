//! An output directory that is itself a mount point (a container's volume)
//! cannot be renamed: the build swaps the contents inside it instead
//! (issue 14). Tested on a real bind mount; without the rights to mount,
//! the test says so loudly and skips (under CI=true it fails).

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

fn bind(from: &Path, to: &Path) -> Option<Mount> {
    let ok = Command::new("mount")
        .arg("--bind")
        .arg(from)
        .arg(to)
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(Mount(to.to_path_buf()));
    }
    let why = "`mount --bind` is not allowed here (needs root and CAP_SYS_ADMIN)";
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why}");
    }
    eprintln!("SKIPPED: the mount point test: {why}");
    None
}

fn without_marker(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut t = tree(dir);
    t.remove(".upfront-output");
    t
}

#[test]
fn a_mount_point_output_is_swapped_from_inside() {
    let site = site_copy("workflow");
    let root = site.path();
    let volume = TempDir::new("volume");
    let public = root.join("public");
    std::fs::create_dir_all(&public).unwrap();
    let Some(_mount) = bind(volume.path(), &public) else {
        return;
    };
    let now = ["--now", NOW];
    let clean = root.join("clean");
    for step in 0..3 {
        if step == 1 {
            // An incident goes away: its pages must go from the volume too.
            std::fs::remove_file(root.join("content/incidents/window.md")).unwrap();
        }
        if step == 2 {
            // A leftover of a killed build inside the volume is cleared.
            let stale = public.join(".public.upfront-new-999999999");
            std::fs::create_dir_all(&stale).unwrap();
            std::fs::write(stale.join(".upfront-output"), "x").unwrap();
        }
        let o = Command::new(env!("CARGO_BIN_EXE_upfront"))
            .args(["build", "--root"])
            .arg(root)
            .args(now)
            .output()
            .unwrap();
        assert!(o.status.success(), "step {step}: {}", stderr(&o));
        let _ = std::fs::remove_dir_all(&clean);
        build_ok(root, &clean, &[]);
        assert_eq!(
            without_marker(&public),
            without_marker(&clean),
            "step {step}"
        );
        // Written on the volume itself, and nothing of ours left beside.
        assert_eq!(without_marker(volume.path()), without_marker(&clean));
        let hidden: Vec<_> = std::fs::read_dir(&public)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.') && n != ".upfront-output")
            .collect();
        assert!(hidden.is_empty(), "step {step}: {hidden:?}");
    }
    assert!(!public.join("incidents/window").exists());
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("upfront-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
