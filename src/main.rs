fn main() {
    std::process::exit(upfront::cli::main());
}
