//! [`SettingSpec`]: what one setting is. Its [`Kind`] is its parser and its range: the same
//! kind checks a value, words the error for a bad one, and writes the "Values" the docs show.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// One setting: its key (TOML key; the env var is `PARLEY_` + upper case), default, kind and doc.
pub struct SettingSpec {
    pub key: &'static str,
    pub default: DefaultValue,
    pub kind: Kind,
    /// What the setting is for. Not its range: the docs add that from `kind`.
    pub doc: &'static str,
}

/// A setting's default, typed, so that it can be the constant of the code that uses it.
#[derive(Clone, Copy, Debug)]
pub enum DefaultValue {
    /// Written as it is; may refer to `{data_dir}`. Empty: not set.
    Text(&'static str),
    Integer(i64),
    Decimal(f64),
    /// Written in the unit of the setting's [`Kind::Duration`].
    Duration(Duration),
    Bool(bool),
    Address(SocketAddr),
}

/// The unit a duration setting is written in (its key says which: `_ms`, `_secs`, `_days`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Milliseconds,
    Seconds,
    Days,
}

impl TimeUnit {
    fn name(self) -> &'static str {
        match self {
            Self::Milliseconds => "milliseconds",
            Self::Seconds => "seconds",
            Self::Days => "days",
        }
    }

    /// `count` of this unit, if it fits in a [`Duration`].
    fn duration(self, count: u64) -> Option<Duration> {
        match self {
            Self::Milliseconds => Some(Duration::from_millis(count)),
            Self::Seconds => Some(Duration::from_secs(count)),
            Self::Days => count.checked_mul(86_400).map(Duration::from_secs),
        }
    }

    /// How many whole units `duration` is.
    pub fn count(self, duration: Duration) -> u128 {
        match self {
            Self::Milliseconds => duration.as_millis(),
            Self::Seconds => u128::from(duration.as_secs()),
            Self::Days => u128::from(duration.as_secs() / 86_400),
        }
    }
}

/// What a setting's value may be. Every value is trimmed first.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number from `min` to `max`; with `or`, that word is accepted instead (`auto`).
    Integer { min: i64, max: i64, or: Option<&'static str> },
    /// A number, fractions allowed, from `min` to `max`.
    Decimal { min: f64, max: f64 },
    /// A length of time, written as a whole number of `unit`s, from `min` to `max`.
    Duration { unit: TimeUnit, min: Duration, max: Duration },
    /// `true` or `false` (`yes`/`no`, `on`/`off` and `1`/`0` are taken too).
    Bool,
    /// One of these words.
    Word(&'static [&'static str]),
    /// An address and port, like `example`; `optional`: or empty.
    Address { optional: bool, example: &'static str },
    /// An IP address, like `example`; `optional`: or empty.
    Ip { optional: bool, example: &'static str },
    /// A URL starting with one of `schemes` (each with its separator: `https://`, `turn:`) and
    /// something after it; `optional`: or empty.
    Url { schemes: &'static [&'static str], optional: bool, example: Option<&'static str> },
    /// Items separated by commas (a TOML array in the file); none is allowed.
    List(Item),
    /// A path to a file or directory (`of` says which); `optional`: or empty.
    Path { of: &'static str, optional: bool },
    /// At least `min_len` characters, never repeated in an error; `optional`: or empty.
    Secret { min_len: usize, optional: bool },
    /// Text of a form `expected` describes and `valid` checks; `optional`: or empty.
    Text { expected: &'static str, valid: fn(&str) -> bool, optional: bool },
}

/// One item of a [`Kind::List`].
#[derive(Clone, Copy, Debug)]
pub enum Item {
    /// A URL starting with one of these schemes, and something after it.
    Url(&'static [&'static str]),
    /// A web origin: `http://` or `https://` and a host, with no trailing slash.
    Origin,
    /// A domain name, taken in lower case.
    Domain,
    /// An IP network in CIDR form, or one address: what `parley_outbound::Network` reads.
    Network,
}

/// A value its setting's kind accepted.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Integer(i64),
    /// One of a [`Kind::Word`]'s words, or an [`Kind::Integer`]'s `or`.
    Word(&'static str),
    Decimal(f64),
    Duration(Duration),
    Bool(bool),
    Address(SocketAddr),
    Ip(IpAddr),
    /// A URL, path, secret or other text.
    Text(String),
    List(Vec<String>),
    /// An optional setting left empty.
    Empty,
}

impl Kind {
    /// A whole number from `min` to `max`.
    pub const fn integer(min: i64, max: i64) -> Self {
        Self::Integer { min, max, or: None }
    }

    /// A whole number of seconds from `min` to `max`.
    pub const fn seconds(min: u64, max: u64) -> Self {
        Self::Duration { unit: TimeUnit::Seconds, min: Duration::from_secs(min), max: Duration::from_secs(max) }
    }

    /// Parses `text` (already trimmed), or `None` if this kind does not accept it.
    fn parse(&self, text: &str) -> Option<Value> {
        let optional = match *self {
            Self::Address { optional, .. }
            | Self::Ip { optional, .. }
            | Self::Url { optional, .. }
            | Self::Path { optional, .. }
            | Self::Secret { optional, .. }
            | Self::Text { optional, .. } => optional,
            _ => false,
        };
        if optional && text.is_empty() {
            return Some(Value::Empty);
        }
        match *self {
            Self::Integer { or: Some(word), .. } if text == word => Some(Value::Word(word)),
            Self::Integer { min, max, .. } => text.parse().ok().filter(|n| (min..=max).contains(n)).map(Value::Integer),
            Self::Decimal { min, max } => text.parse().ok().filter(|n| (min..=max).contains(n)).map(Value::Decimal),
            Self::Duration { unit, min, max } => text
                .parse()
                .ok()
                .and_then(|count| unit.duration(count))
                .filter(|d| (min..=max).contains(d))
                .map(Value::Duration),
            Self::Bool => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Some(Value::Bool(true)),
                "false" | "0" | "no" | "off" => Some(Value::Bool(false)),
                _ => None,
            },
            Self::Word(words) => words.iter().find(|w| **w == text).copied().map(Value::Word),
            Self::Address { .. } => text.parse().ok().map(Value::Address),
            Self::Ip { .. } => text.parse().ok().map(Value::Ip),
            Self::Url { schemes, .. } => is_url(text, schemes).then(|| Value::Text(text.to_owned())),
            Self::List(item) => {
                let items: Vec<String> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|i| !i.is_empty())
                    .map(|i| if matches!(item, Item::Domain) { i.to_ascii_lowercase() } else { i.to_owned() })
                    .collect();
                items.iter().all(|i| item.accepts(i)).then_some(Value::List(items))
            }
            Self::Path { .. } => (!text.is_empty()).then(|| Value::Text(text.to_owned())),
            Self::Secret { min_len, .. } => (text.len() >= min_len).then(|| Value::Text(text.to_owned())),
            Self::Text { valid, .. } => valid(text).then(|| Value::Text(text.to_owned())),
        }
    }

    /// What a valid value looks like, as errors and the docs say it ("a whole number from 1
    /// to 1000").
    fn accepts(&self) -> String {
        let or_empty = |optional: bool, what: String| if optional { format!("empty or {what}") } else { what };
        match *self {
            Self::Integer { min, max, or } => {
                let number = format!("a whole number from {min} to {max}");
                or.map_or(number.clone(), |word| format!("{word} or {number}"))
            }
            Self::Decimal { min, max } => format!("a number from {min:?} to {max:?}"),
            Self::Duration { unit, min, max } => {
                format!("a whole number of {} from {} to {}", unit.name(), unit.count(min), unit.count(max))
            }
            Self::Bool => "true or false".to_owned(),
            Self::Word(words) => one_of(words),
            Self::Address { optional, example } => or_empty(optional, format!("an address and port like {example}")),
            Self::Ip { optional, example } => or_empty(optional, format!("an IP address like {example}")),
            Self::Url { schemes, optional, example } => {
                let url = format!("{} {} URL", article(schemes[0]), one_of(schemes));
                or_empty(optional, example.map_or(url.clone(), |e| format!("{url} like {e}")))
            }
            Self::List(item) => format!("empty or comma-separated {}", item.plural()),
            Self::Path { of, optional } => or_empty(optional, format!("a {of} path")),
            Self::Secret { min_len, optional } => or_empty(optional, format!("at least {min_len} characters")),
            Self::Text { expected, optional, .. } => or_empty(optional, expected.to_owned()),
        }
    }
}

impl Item {
    fn accepts(self, item: &str) -> bool {
        match self {
            Self::Url(schemes) => is_url(item, schemes),
            Self::Origin => is_url(item, &["http://", "https://"]) && !item.ends_with('/'),
            Self::Domain => is_domain_name(item),
            Self::Network => item.parse::<parley_outbound::Network>().is_ok(),
        }
    }

    fn plural(self) -> String {
        match self {
            Self::Url(schemes) => format!("{} URLs", one_of(schemes)),
            Self::Origin => "origins like https://chat.example.com".to_owned(),
            Self::Domain => "domain names like chat.example.com".to_owned(),
            Self::Network => "networks like 10.0.0.0/8 or fd00::/8, or single addresses".to_owned(),
        }
    }
}

impl SettingSpec {
    pub fn env_var(&self) -> String {
        format!("PARLEY_{}", self.key.to_ascii_uppercase())
    }

    /// Parses a value given for this setting, or `None` if its kind does not accept it.
    pub fn parse(&self, text: &str) -> Option<Value> {
        self.kind.parse(text.trim())
    }

    /// What a valid value looks like, generated from the kind: errors say "expected" this,
    /// and the docs list it as the setting's values.
    pub fn accepts(&self) -> String {
        self.kind.accepts()
    }

    /// The default as it would be written in the file or the environment.
    pub fn default_text(&self) -> String {
        match (self.default, self.kind) {
            (DefaultValue::Text(text), _) => text.to_owned(),
            (DefaultValue::Integer(n), _) => n.to_string(),
            (DefaultValue::Decimal(x), _) => format!("{x:?}"),
            (DefaultValue::Duration(d), Kind::Duration { unit, .. }) => unit.count(d).to_string(),
            (DefaultValue::Duration(d), _) => d.as_secs().to_string(),
            (DefaultValue::Bool(b), _) => b.to_string(),
            (DefaultValue::Address(a), _) => a.to_string(),
        }
    }

    /// A value as an error may repeat it: never a secret's.
    pub fn shown(&self, text: &str) -> String {
        if matches!(self.kind, Kind::Secret { .. }) && !text.trim().is_empty() {
            "(hidden)".to_owned()
        } else {
            text.to_owned()
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
fn one_of(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [only] => (*only).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// "a" or "an", as the word is said (`https://` is "an aitch-tee-tee-pee-ess").
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'h', 'i', 'o', 'u']) { "an" } else { "a" }
}

fn is_url(text: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|scheme| text.starts_with(scheme) && text.len() > scheme.len())
}

fn is_domain_name(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::SETTINGS;

    #[test]
    fn every_spec_entry_s_default_parses_through_its_own_parser_to_the_default_itself() {
        for spec in SETTINGS {
            let text = spec.default_text();
            let value = spec.parse(&text);
            assert!(value.is_some(), "the default of {} ({text:?}) is not {}", spec.key, spec.accepts());
            let typed = match spec.default {
                DefaultValue::Text(_) => continue,
                DefaultValue::Integer(n) => Value::Integer(n),
                DefaultValue::Decimal(x) => Value::Decimal(x),
                DefaultValue::Duration(d) => Value::Duration(d),
                DefaultValue::Bool(b) => Value::Bool(b),
                DefaultValue::Address(a) => Value::Address(a),
            };
            assert_eq!(value, Some(typed), "{}'s default does not survive being written as {text:?}", spec.key);
        }
    }

    #[test]
    fn a_number_or_duration_out_of_range_is_refused_and_the_range_is_said_from_the_kind() {
        let connections = Kind::integer(1, 1000);
        assert_eq!(connections.parse("1000"), Some(Value::Integer(1000)));
        assert_eq!((connections.parse("0"), connections.parse("1001"), connections.parse("ten")), (None, None, None));
        assert_eq!(connections.accepts(), "a whole number from 1 to 1000");
        let window =
            Kind::Duration { unit: TimeUnit::Milliseconds, min: Duration::from_secs(1), max: Duration::from_secs(600) };
        assert_eq!(window.parse("41250"), Some(Value::Duration(Duration::from_millis(41_250))));
        assert_eq!(window.parse("999"), None);
        assert_eq!(window.accepts(), "a whole number of milliseconds from 1000 to 600000");
        let days = Kind::Duration { unit: TimeUnit::Days, min: Duration::from_secs(86_400), max: Duration::MAX };
        assert_eq!(days.parse(&u64::MAX.to_string()), None, "too many days for a Duration is refused, not wrapped");
        let ratio = Kind::Decimal { min: 0.0, max: 1.0 };
        assert_eq!(
            (ratio.parse("0.25"), ratio.parse("1.5"), ratio.parse("NaN")),
            (Some(Value::Decimal(0.25)), None, None)
        );
        assert_eq!(ratio.accepts(), "a number from 0.0 to 1.0");
    }

    #[test]
    fn words_urls_lists_and_secrets_say_what_they_take() {
        assert_eq!(Kind::Word(&["open", "invite_only", "closed"]).accepts(), "open, invite_only or closed");
        assert_eq!(Kind::Integer { min: 0, max: 1022, or: Some("auto") }.parse("auto"), Some(Value::Word("auto")));
        let gateway = Kind::Url { schemes: &["ws://", "wss://"], optional: true, example: None };
        assert_eq!(gateway.accepts(), "empty or a ws:// or wss:// URL");
        assert_eq!((gateway.parse(""), gateway.parse("wss://")), (Some(Value::Empty), None));
        let domains = Kind::List(Item::Domain);
        assert_eq!(
            domains.parse("A.example, b.example,"),
            Some(Value::List(vec!["a.example".into(), "b.example".into()]))
        );
        assert_eq!(domains.parse("bad_name.example"), None);
        let networks = Kind::List(Item::Network);
        assert_eq!(
            networks.parse("10.0.0.0/8, fd00::/8,192.168.1.7"),
            Some(Value::List(vec!["10.0.0.0/8".into(), "fd00::/8".into(), "192.168.1.7".into()]))
        );
        assert_eq!(
            (networks.parse("10.1.2.3/8"), networks.parse("10.0.0.0/33"), networks.parse("lan")),
            (None, None, None)
        );
        assert_eq!(
            networks.accepts(),
            "empty or comma-separated networks like 10.0.0.0/8 or fd00::/8, or single addresses"
        );
        let secret = SettingSpec {
            key: "turn_secret",
            default: DefaultValue::Text(""),
            kind: Kind::Secret { min_len: 16, optional: true },
            doc: "",
        };
        assert_eq!((secret.parse("short"), secret.shown("short")), (None, "(hidden)".to_owned()));
        assert_eq!(secret.accepts(), "empty or at least 16 characters");
    }
}
