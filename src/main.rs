// A build makes and drops millions of small strings and maps (front matter,
// template contexts); mimalloc cuts the allocator's share of the work, which
// the system allocator made a quarter of all instructions (callgrind, 1k).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(upfront::cli::main());
}
