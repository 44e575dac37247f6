//! A real bot library's bot, run as its own process and told only Parley's URLs, and the
//! lines it prints (tests/bots/SCENARIO.md): waited for by prefix, each claimed once, so a
//! line that arrives before the test asks for it is not lost.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{KillOnDrop, TestApp, status_and_json};

/// The Python with discord.py that `./scripts/test` prepares (or `python3` if it has it).
pub fn python() -> String {
    std::env::var("PARLEY_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Where this crate's bot files live.
pub fn bots_dir() -> String {
    format!("{}/tests/bots", env!("CARGO_MANIFEST_DIR"))
}

pub struct BotProcess {
    _child: KillOnDrop,
    lines: tokio::sync::mpsc::Receiver<String>,
    transcript: Vec<String>,
    claimed: Vec<bool>,
}

impl BotProcess {
    /// Starts `command` for the bot with this `token`, with PARLEY_URL, PARLEY_GATEWAY_URL
    /// and PARLEY_BOT_TOKEN set; `what` names it in failures.
    pub async fn start(app: &TestApp, mut command: Command, token: &str, what: &str) -> Self {
        let (_, gateway) = status_and_json(app.get("/gateway", None).await).await;
        let child = command
            .env("PARLEY_URL", &app.address)
            .env("PARLEY_GATEWAY_URL", gateway["url"].as_str().unwrap())
            .env("PARLEY_BOT_TOKEN", token)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the {what} bot (run ./scripts/test, which installs it): {e}"));
        let mut child = KillOnDrop(child);
        let stdout = child.0.stdout.take().unwrap();
        let stderr = child.0.stderr.take().unwrap();
        // Bounded: when the test stops reading, the readers (and then the bot) wait.
        let (lines_tx, lines) = tokio::sync::mpsc::channel::<String>(1024);
        for stream in [Box::new(stdout) as Box<dyn std::io::Read + Send>, Box::new(stderr)] {
            let tx = lines_tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if tx.blocking_send(line).is_err() {
                        return;
                    }
                }
            });
        }
        Self { _child: child, lines, transcript: Vec::new(), claimed: Vec::new() }
    }

    /// A discord.py script in tests/bots.
    pub async fn python(app: &TestApp, script: &str, token: &str) -> Self {
        let mut command = Command::new(python());
        command.arg(format!("{}/{script}", bots_dir()));
        Self::start(app, command, token, "discord.py").await
    }

    /// The first unclaimed line starting with `prefix`, already printed or printed within
    /// `within`; fails with everything the bot said.
    pub async fn wait_for(&mut self, prefix: &str, within: Duration) -> String {
        if let Some(line) = self.claim(prefix) {
            return line;
        }
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.transcript.push(line);
                    self.claimed.push(false);
                    if let Some(line) = self.claim(prefix) {
                        return line;
                    }
                }
                _ => panic!("the bot never said {prefix}:\n{}", self.transcript.join("\n")),
            }
        }
    }

    fn claim(&mut self, prefix: &str) -> Option<String> {
        let at = (0..self.transcript.len()).find(|&i| !self.claimed[i] && self.transcript[i].starts_with(prefix))?;
        self.claimed[at] = true;
        Some(self.transcript[at].clone())
    }

    /// Everything it said so far, without waiting.
    pub fn said(&mut self) -> &[String] {
        while let Ok(line) = self.lines.try_recv() {
            self.transcript.push(line);
            self.claimed.push(false);
        }
        &self.transcript
    }
}
