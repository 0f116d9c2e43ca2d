// A build makes and drops millions of small strings and maps (front matter,
// template contexts); mimalloc cuts the allocator's share of the work, which
// the system allocator made a quarter of all instructions (callgrind, 1k).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // mimalloc asks the kernel for transparent huge pages, and each first
    // touch of one zeroes 2 MB: almost half of `upfront new`'s time under
    // `serve` (docs/src/benchmarks.md, "Memory, huge pages"). Children
    // would inherit this; upfront starts none.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    std::process::exit(upfront::cli::main());
}
