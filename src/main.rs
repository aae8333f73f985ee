use meeting_requests::server::{config::Config, startup::Application, telemetry};

/// jemalloc instead of the C library's malloc: more cycles under load and
/// less memory per idle socket (the figures are in Cargo.toml's comment).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(error = %err, "could not start");
            eprintln!("error: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match app.local_addr() {
        Ok(addr) => tracing::info!("listening on http://{addr}"),
        Err(err) => tracing::warn!(error = %err, "listening (address unknown)"),
    }
    if let Err(err) = app.run_until_stopped().await {
        tracing::error!(error = %err, "server error");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
