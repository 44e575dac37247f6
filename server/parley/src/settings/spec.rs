//! [`SettingSpec`]: one setting's key, default and documentation.

/// One setting: its key (TOML key; the env var is `PARLEY_` + upper case), default, and doc.
pub struct SettingSpec {
    pub key: &'static str,
    pub default: &'static str,
    pub doc: &'static str,
}

impl SettingSpec {
    pub fn env_var(&self) -> String {
        format!("PARLEY_{}", self.key.to_ascii_uppercase())
    }
}
