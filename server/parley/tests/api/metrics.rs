//! `/metrics`: Prometheus's text format, checked by `promtool`, counting HTTP requests by
//! route template, gateway sessions and dispatches, build and process facts; and a real
//! Prometheus (Debian's package) scraping a running server and answering queries on it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use parley_voice::client::ClientOptions;
use parley_voice::protocol::TrackKind;

use crate::gateway_client::GatewayClient;
use crate::helpers::{
    Backend, KillOnDrop, TestApp, free_port, metrics_text, on_both_backends, sample, spawn_app, spawn_app_with,
    system_tool,
};
use crate::voice_support::{Caller, call, eventually, voice_channel};

/// `promtool` or `prometheus`, from Debian's prometheus package.
fn tool(name: &str) -> String {
    system_tool(&format!("/usr/bin/{name}"), "prometheus").to_owned()
}

/// Some traffic: an account, a guild, messages, a 404, and a gateway session that sees a
/// message (returned, so it stays open while the caller reads the metrics).
async fn traffic(app: &TestApp) -> GatewayClient {
    let ann = app.register("ann").await;
    let guild = app.guild_with(&ann, "Metrics", &[]).await;
    let (mut gateway, _ready) = GatewayClient::identified(app, &ann).await;
    for n in 0..3 {
        let sent = app
            .post_json(
                &format!("/channels/{}/messages", guild.general),
                &json!({ "content": format!("hello {n}") }),
                Some(&ann.access_token),
            )
            .await;
        assert_eq!(sent.status(), StatusCode::OK);
    }
    gateway.wait_for("MESSAGE_CREATE").await;
    // A file stored, and an image bomb refused, for the files dashboard.
    use crate::attachments::{file, form, payload, pixel_flood, png_with_location, send_form};
    let photo = form(&[payload(json!({})), file(0, "photo.png", png_with_location())]);
    assert_eq!(send_form(app, &ann, &guild.general, photo).await.status(), StatusCode::OK);
    let bomb = form(&[payload(json!({})), file(0, "bomb.png", pixel_flood())]);
    assert_eq!(send_form(app, &ann, &guild.general, bomb).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/no/such/route", None).await.status(), StatusCode::NOT_FOUND);
    gateway
}

/// A call between two members, one with a camera, so the voice panels have data; returned
/// so the call goes on while Prometheus scrapes.
async fn voice_traffic(app: &TestApp) -> [Caller; 2] {
    let (cal, dee) = (app.register("cal").await, app.register("dee").await);
    let guild = app.guild_with(&cal, "Voice metrics", &[&dee]).await;
    let channel = voice_channel(app, &guild.id, &cal).await;
    let video = ClientOptions { video: true, ..Default::default() };
    let cal_call = call(app, &cal, Some(&guild.id), &channel, video).await;
    let dee_call = call(app, &dee, Some(&guild.id), &channel, ClientOptions::default()).await;
    eventually("the call carries audio and video", async || {
        dee_call.voice.received(&cal.user_id, TrackKind::Camera) >= 20
            && cal_call.voice.received(&dee.user_id, TrackKind::Audio) >= 20
    })
    .await;
    [cal_call, dee_call]
}

async fn metrics_count_requests_by_route_template_and_gateway_sessions_and_promtool_accepts_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let _gateway = traffic(&app).await;
    let text = metrics_text(&app).await;

    let route = r#"route="/api/v10/channels/{channel_id}/messages""#;
    assert_eq!(
        sample(&text, &format!(r#"parley_http_requests_total{{method="POST",{route},status="2xx"}}"#)),
        Some(4.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, &format!(r#"parley_http_request_duration_seconds_count{{method="POST",{route}}}"#)),
        Some(5.0),
        "three messages, a file and a refused image bomb"
    );
    assert_eq!(sample(&text, r#"parley_file_uploads_total{outcome="stored"}"#), Some(1.0));
    assert_eq!(sample(&text, r#"parley_file_uploads_total{outcome="bad_image"}"#), Some(1.0));
    assert!(
        sample(&text, r#"parley_http_requests_total{method="GET",route="unmatched",status="4xx"}"#)
            .is_some_and(|n| n >= 1.0)
    );
    assert!(
        sample(&text, r#"parley_http_unmatched_requests_total{method="GET"}"#).is_some_and(|n| n >= 1.0),
        "requests no route matched are counted by method: {text}"
    );
    assert!(!text.contains("/no/such/route"), "raw paths never become labels");
    assert_eq!(sample(&text, "parley_gateway_identifies_total"), Some(1.0));
    assert_eq!(sample(&text, "parley_gateway_connections"), Some(1.0));
    assert!(sample(&text, r#"parley_gateway_dispatches_total{event="MESSAGE_CREATE"}"#).is_some_and(|n| n >= 3.0));
    assert!(sample(&text, "parley_gateway_fanout_seconds_count").is_some_and(|n| n >= 3.0));
    assert_eq!(sample(&text, "parley_registrations_total"), Some(1.0));
    assert_eq!(sample(&text, &format!(r#"parley_build_info{{version="{}"}}"#, env!("CARGO_PKG_VERSION"))), Some(1.0));
    assert!(sample(&text, "process_resident_memory_bytes").is_some_and(|bytes| bytes > 0.0));
    let pool = if backend == Backend::Sqlite { "read" } else { "main" };
    assert!(
        sample(&text, &format!(r#"parley_db_pool_max_connections{{pool="{pool}"}}"#)).is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(sample(&text, &format!(r#"parley_db_pool_connections{{pool="{pool}",state="idle"}}"#)).is_some());

    let mut check = Command::new(tool("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), text.as_bytes()).unwrap();
    let output = check.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A Prometheus server on a free loopback port, stopped when dropped.
struct Prometheus {
    _child: KillOnDrop,
    url: String,
    _dir: tempfile::TempDir,
}

/// The alert rules Parley ships.
fn alert_rules() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/prometheus/alerts.yml")
}

/// Prometheus scraping `target` every second and evaluating the shipped alert rules.
fn start_prometheus(target: &str) -> Prometheus {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - '{}'\nscrape_configs:\n  - job_name: parley\n    static_configs:\n      - targets: ['{target}']\n",
            alert_rules().display()
        ),
    )
    .unwrap();
    let check = Command::new(tool("promtool")).args(["check", "config"]).arg(&config).output().unwrap();
    assert!(check.status.success(), "promtool check config: {}", String::from_utf8_lossy(&check.stdout));
    let port = free_port();
    let child = Command::new(tool("prometheus"))
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Prometheus { _child: KillOnDrop(child), url: format!("http://127.0.0.1:{port}"), _dir: dir }
}

/// Asks Prometheus `query` until `accept` likes the result vector (or 30 seconds pass).
async fn query_until(prometheus: &Prometheus, query: &str, accept: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = Value::Null;
    while Instant::now() < deadline {
        if let Ok(response) =
            client.get(format!("{}/api/v1/query", prometheus.url)).query(&[("query", query)]).send().await
            && let Ok(body) = response.json::<Value>().await
        {
            if let Some(result) = body["data"]["result"].as_array()
                && accept(result)
            {
                return result.clone();
            }
            last = body;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("Prometheus never answered {query} as expected; last answer: {last}");
}

async fn a_real_prometheus_scrapes_parley_and_answers_queries_about_its_traffic(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_AUTH_RATE_LIMIT_PER_MINUTE", "4")]).await;
    let target = app.address.trim_start_matches("http://").to_owned();
    let prometheus = start_prometheus(&target);
    let _gateway = traffic(&app).await;
    let _call = voice_traffic(&app).await;
    // Password guessing until the address is limited: failures, then a 429.
    let mut refused = false;
    for _ in 0..6 {
        refused |= app.login("ann", "not her password").await.status() == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(refused, "the fifth auth request in a minute is refused");

    let up = query_until(&prometheus, r#"up{job="parley"}"#, |r| r.first().is_some_and(|s| s["value"][1] == "1")).await;
    assert_eq!(up.len(), 1);
    let sent = query_until(
        &prometheus,
        r#"sum(parley_http_requests_total{route="/api/v10/channels/{channel_id}/messages",method="POST"})"#,
        // Three messages, a file and a refused image bomb.
        |r| r.first().is_some_and(|s| s["value"][1] == "5"),
    )
    .await;
    assert_eq!(sent.len(), 1);
    // ann's session and the two callers'.
    query_until(&prometheus, "parley_gateway_connections", |r| r.first().is_some_and(|s| s["value"][1] == "3")).await;
    query_until(&prometheus, "parley_voice_participants", |r| r.first().is_some_and(|s| s["value"][1] == "2")).await;
    query_until(&prometheus, r#"parley_db_pool_max_connections"#, |r| !r.is_empty()).await;

    // Every shipped alert rule has been evaluated against this data without an error.
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let rules: Value =
            client.get(format!("{}/api/v1/rules", prometheus.url)).send().await.unwrap().json().await.unwrap();
        let all: Vec<&Value> =
            rules["data"]["groups"].as_array().unwrap().iter().flat_map(|g| g["rules"].as_array().unwrap()).collect();
        let shipped =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/prometheus/alerts.yml"))
                .unwrap()
                .lines()
                .filter(|l| l.trim_start().starts_with("- alert:"))
                .count();
        assert_eq!(all.len(), shipped, "every rule in alerts.yml is loaded: {rules}");
        runbooks_are_absolute_links_to_their_sections(&all);
        if all.iter().all(|r| r["health"] == "ok") {
            break;
        }
        assert!(all.iter().all(|r| r["health"] != "err"), "a rule fails to evaluate: {rules}");
        assert!(Instant::now() < deadline, "the rules were never all evaluated: {rules}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    // Every panel of every shipped dashboard shows data for this traffic.
    let dashboards = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../grafana/dashboards");
    let exposed = metrics_text(&app).await;
    let mut checked = 0;
    for file in std::fs::read_dir(&dashboards).unwrap() {
        let path = file.unwrap().path();
        let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for panel in dashboard["panels"].as_array().unwrap() {
            for target in panel["targets"].as_array().unwrap() {
                // Each panel follows the dashboard's instance picker.
                let expr = target["expr"].as_str().unwrap();
                assert!(expr.contains(r#"instance=~"$instance""#), "{}: {expr} ignores $instance", path.display());
                // Grafana's $__rate_interval is at least four scrape intervals; a minute covers
                // it. "All" instances is the picker's `.*`.
                let expr = expr.replace("$__rate_interval", "1m").replace("$instance", ".*");
                assert!(!expr.contains('$'), "{}: an unsubstituted variable in {expr}", path.display());
                // Every metric named exists (`or vector(0)` must not hide a misspelt one).
                for name in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    if name.starts_with("parley_") || name.starts_with("process_") {
                        assert!(exposed.contains(name), "{}: {name} is not a metric Parley exposes", path.display());
                    }
                }
                query_until(&prometheus, &expr, |r| !r.is_empty()).await;
                checked += 1;
            }
        }
    }
    assert!(checked >= 30, "only {checked} dashboard queries found in {}", dashboards.display());

    // None fires on a healthy server.
    let alerts: Value =
        client.get(format!("{}/api/v1/alerts", prometheus.url)).send().await.unwrap().json().await.unwrap();
    assert_eq!(alerts["data"]["alerts"], json!([]), "{alerts}");
}

/// Where the shipped alerts' runbooks are: docs/operations.md on the project's home.
const RUNBOOKS: &str = "https://github.com/parley-chat/parley/blob/main/docs/operations.md";

/// Each alert (as Prometheus loaded it) links its runbook absolutely, since a notification in
/// a chat or a pager has no base to resolve a relative link against, and the link's anchor is
/// a section of docs/operations.md (GitHub's anchor for `### ParleyDown` is `#parleydown`).
fn runbooks_are_absolute_links_to_their_sections(rules: &[&Value]) {
    let operations =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/operations.md")).unwrap();
    let sections: Vec<String> =
        operations.lines().filter_map(|l| l.strip_prefix("### ")).map(|h| h.trim().to_lowercase()).collect();
    for rule in rules {
        let (name, link) = (rule["name"].as_str().unwrap(), rule["annotations"]["runbook_url"].as_str());
        let anchor = link.and_then(|l| l.strip_prefix(RUNBOOKS)).and_then(|l| l.strip_prefix('#'));
        assert_eq!(anchor, Some(name.to_lowercase().as_str()), "{name}'s runbook_url is {RUNBOOKS}#<its name>: {rule}");
        assert!(sections.contains(&name.to_lowercase()), "docs/operations.md has a section {name}");
    }
}

/// A stat panel that stands for an alert turns red where the alert fires: the number in its
/// description ("Alert X fires above N") is its red threshold and appears in rule X's
/// expression as `> N`.
#[test]
fn the_overview_stat_panels_turn_red_at_their_alerts_thresholds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let overview: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("grafana/dashboards/overview.json")).unwrap()).unwrap();
    let alerts = std::fs::read_to_string(root.join("infra/prometheus/alerts.yml")).unwrap();
    let mut compared = 0;
    for panel in overview["panels"].as_array().unwrap().iter().filter(|p| p["type"] == "stat") {
        let description = panel["description"].as_str().unwrap();
        let Some((_, rest)) = description.split_once("Alert ") else { panic!("{description} names no alert") };
        let alert = rest.split_whitespace().next().unwrap();
        let rule =
            alerts.split("- alert: ").find(|r| r.starts_with(alert)).unwrap_or_else(|| panic!("no rule {alert}"));
        let Some((_, above)) = rest.split_once("fires above ") else { continue };
        let threshold = above.split_whitespace().next().unwrap();
        let red = &panel["fieldConfig"]["defaults"]["thresholds"]["steps"].as_array().unwrap().last().unwrap()["value"];
        assert_eq!(red.as_f64(), threshold.parse().ok(), "{}: red at the alert's {threshold}", panel["title"]);
        assert!(rule.contains(&format!("> {threshold}")), "{alert} fires above {threshold}: {rule}");
        compared += 1;
    }
    assert!(compared >= 3, "only {compared} stat panels compared with their alerts");
}

#[test]
fn promtool_accepts_the_shipped_alert_rules() {
    let output = Command::new(tool("promtool")).args(["check", "rules"]).arg(alert_rules()).output().unwrap();
    assert!(
        output.status.success(),
        "promtool check rules: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// alerts.test.yml: each alert fires on its trouble after its `for:`, and stays quiet on a
/// healthy or merely quiet instance (promtool's own rule unit tests, on simulated series).
#[test]
fn each_alert_fires_on_its_trouble_and_not_on_a_quiet_instance() {
    let tests = alert_rules().with_file_name("alerts.test.yml");
    let output = Command::new(tool("promtool")).args(["test", "rules"]).arg(&tests).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success() && said.contains("SUCCESS"), "promtool test rules: {said}");
}

async fn with_metrics_bind_set_metrics_are_served_only_on_their_own_address(backend: Backend) {
    let app = spawn_app_with(backend, &[("PARLEY_METRICS_BIND", "127.0.0.1:0")]).await;
    let metrics = app.metrics_address.clone().expect("a metrics listener");
    assert_ne!(metrics, app.address);
    assert_eq!(app.send(app.client.get(format!("{}/metrics", app.address))).await.status(), StatusCode::NOT_FOUND);
    let text = app.send(app.client.get(format!("{metrics}/metrics"))).await.text().await.unwrap();
    assert!(text.contains("parley_build_info"), "{text}");
    // Only metrics there: not the API, not the probes.
    assert_eq!(app.send(app.client.get(format!("{metrics}/health"))).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.send(app.client.get(format!("{}/health", app.address))).await.status(), StatusCode::OK);
}

async fn on_the_main_port_metrics_answer_only_unforwarded_clients_on_this_machine(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    let local = app.send(app.client.get(format!("{}/metrics", app.address))).await;
    assert_eq!(local.status(), StatusCode::OK, "a Prometheus beside Parley scrapes it");
    // What a proxy on this machine forwards is someone else's request.
    for header in ["x-forwarded-for", "forwarded", "x-real-ip"] {
        let forwarded =
            app.send(app.client.get(format!("{}/metrics", app.address)).header(header, "203.0.113.9")).await;
        assert_eq!(forwarded.status(), StatusCode::NOT_FOUND, "{header}");
        assert!(!forwarded.text().await.unwrap().contains("parley_"), "{header}");
    }
}

on_both_backends!(
    on_the_main_port_metrics_answer_only_unforwarded_clients_on_this_machine,
    with_metrics_bind_set_metrics_are_served_only_on_their_own_address,
    metrics_count_requests_by_route_template_and_gateway_sessions_and_promtool_accepts_them,
    a_real_prometheus_scrapes_parley_and_answers_queries_about_its_traffic,
);
