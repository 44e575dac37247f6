//! `parley serve`: run until a shutdown signal, then drain.

use tokio_util::sync::CancellationToken;

use crate::settings::Settings;
use crate::startup::Application;

pub async fn run(settings: &Settings, migrate: bool) -> anyhow::Result<()> {
    for advice in crate::settings::advice(settings) {
        tracing::warn!("{advice}");
    }
    for name in &settings.unknown_env {
        tracing::warn!(variable = %name, "{name} names no Parley setting (a typo?); see docs/configuration.md");
    }
    // Listen for signals before the (possibly slow) start-up, so a SIGTERM then still
    // ends the process through the same orderly path.
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    // Held until the process ends: `parley restore` refuses to write under a running server.
    let _serving = crate::data_lock::serving(&settings.data_dir);
    let app = Application::build(settings, migrate).await?;
    let local = format!("http://{}", app.address());
    tracing::info!(address = %app.address(), database = %settings.database_url.redacted(), "Parley is listening");
    println!(
        "Parley is running at {local}  (public URL {}; database {})",
        settings.public_url,
        settings.database_url.redacted()
    );
    if let Some(link) = app.admin_setup_link() {
        // Others can reach this instance: the first admin is whoever opens this link, not
        // whoever registers first. It works until an admin exists.
        tracing::warn!(
            "no admin yet: the first admin signs up through the setup link printed at start (`parley admin bootstrap-token` prints it again)"
        );
        println!("No admin yet. Create the admin account here (the link works until an admin exists):\n  {link}");
    }
    app.run_until_stopped(shutdown).await
}

/// Cancels `token` on SIGTERM (orchestrators) or SIGINT (Ctrl-C).
pub(crate) async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT received; stopping"),
        () = terminate => tracing::info!("SIGTERM received; stopping"),
    }
    token.cancel();
}
