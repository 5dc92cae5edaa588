fn main() -> std::process::ExitCode {
    atm_client::cli::run()
}
