fn main() -> std::process::ExitCode {
    satop::run()
}
