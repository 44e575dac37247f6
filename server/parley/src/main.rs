//! The `parley` command: parse the command line, load settings, run the subcommand.

use std::process::ExitCode;

use clap::Parser;
use parley::cli::{Cli, Command};
use parley::commands;
use parley::settings::Settings;
use parley::telemetry;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let file = match &cli.config {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some((path.clone(), text)),
            Err(e) => {
                eprintln!("error: cannot read the configuration file {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let loaded = Settings::load(file.as_ref().map(|(p, t)| (p.as_path(), t.as_str())), std::env::vars());
    if let Command::Config(command) = &cli.command {
        let error = loaded.as_ref().err().map(ToString::to_string);
        return report(commands::config::run(
            command,
            loaded.as_ref().map_err(|_| error.as_deref().unwrap_or_default()),
        ));
    }
    let settings = match loaded {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("error: {e}\n(see docs/configuration.md, or run `parley config check`)");
            return ExitCode::from(2);
        }
    };
    let mut telemetry = match telemetry::init(&settings.telemetry) {
        Ok(telemetry) => telemetry,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    telemetry.start(runtime.handle());
    let result = runtime.block_on(async {
        match &cli.command {
            Command::Serve { migrate } => commands::serve::run(&settings, *migrate).await,
            Command::Migrate => commands::migrate::run(&settings).await,
            Command::Backup(args) => commands::backup::run_backup(&settings, args).await,
            Command::Restore { archive, check, signing_key_to } => {
                commands::backup::run_restore(&settings, archive, *check, signing_key_to.as_deref()).await
            }
            Command::Admin(command) => commands::admin::run(&settings, command).await,
            Command::Config(_) => unreachable!("handled before the runtime starts"),
        }
    });
    if let Err(e) = &result {
        // Logged too, so the failure reaches Loki with the rest.
        tracing::error!(error = format!("{e:#}"), "parley stopped with an error");
    }
    telemetry.shutdown(&runtime);
    report(result)
}

fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
