// The binary is linked as a position-dependent executable on Linux, as Go
// links Hugo's: its ~40,000 relative relocations (1 MB of `.rela.dyn`) are
// then resolved by the linker instead of by the loader at every start,
// which keeps the release binary under 10 MB and saves every command about
// a millisecond. Libraries, heap and stack are still placed at random.
// docs/src/build-profiles.md has the numbers.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
