//! `parley config ...`: check, and print the generated docs.

use crate::cli::ConfigCommand;
use crate::settings::{Settings, advice, configuration_markdown, example_env};

/// Runs a config subcommand. `loaded` is the result of loading settings (an error is what
/// `check` reports).
pub fn run(command: &ConfigCommand, loaded: Result<&Settings, &str>) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Docs => print!("{}", configuration_markdown()),
        ConfigCommand::ExampleEnv => print!("{}", example_env()),
        ConfigCommand::Check => {
            let settings = loaded.map_err(|e| anyhow::anyhow!("{e}"))?;
            if !settings.unknown_env.is_empty() {
                anyhow::bail!(
                    "these variables name no Parley setting (typos?): {}; see docs/configuration.md",
                    settings.unknown_env.join(", ")
                );
            }
            println!(
                "Configuration is valid: listening on {}, database {}, registration {:?}, data in {}.",
                settings.bind,
                settings.database_url.redacted(),
                settings.api.registration,
                settings.data_dir.display()
            );
            for advice in advice(settings) {
                eprintln!("warning: {advice}");
            }
        }
    }
    Ok(())
}
