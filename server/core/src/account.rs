//! Account input parsed at the edge: once one of these exists, it is valid.

use crate::validation::FieldError;

fn invalid(code: &'static str, message: impl Into<String>) -> FieldError {
    // The path is filled in by `FieldErrors::check`, which knows the field's name.
    FieldError { path: Vec::new(), code, message: message.into() }
}

fn bad_length(min: usize, max: usize) -> FieldError {
    invalid("BASE_TYPE_BAD_LENGTH", format!("Must be between {min} and {max} in length."))
}

/// A unique login name, Discord's modern rules: 2-32 characters of `a-z 0-9 _ .`, no `..`.
/// Upper-case ASCII is folded to lower case, since usernames are case-insensitive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub const MIN: usize = 2;
    pub const MAX: usize = 32;
    /// Names that would read as mentions or impersonate the system.
    const RESERVED: [&'static str; 4] = ["everyone", "here", "system", "parley"];
    /// What deleted accounts are renamed to (`deleted_user_{id}`): nobody may take such a name,
    /// which would pose as a deleted account or block one's deletion.
    pub const DELETED_PREFIX: &'static str = "deleted_user_";

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.to_ascii_lowercase();
        let length = name.chars().count();
        if !(Self::MIN..=Self::MAX).contains(&length) {
            return Err(bad_length(Self::MIN, Self::MAX));
        }
        if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.') {
            return Err(invalid(
                "USERNAME_INVALID_CHARACTERS",
                "Usernames can only use letters a-z, numbers 0-9, underscores and periods.",
            ));
        }
        if name.contains("..") {
            return Err(invalid("USERNAME_INVALID_CHARACTERS", "Usernames cannot contain two periods in a row."));
        }
        if Self::RESERVED.contains(&name.as_str()) || name.starts_with(Self::DELETED_PREFIX) {
            return Err(invalid("USERNAME_RESERVED", "That username is reserved; please choose another."));
        }
        Ok(Self(name))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The name shown in place of the username (Discord's `global_name`): 1-32 characters of
/// any script, trimmed, with no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 32;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let length = name.chars().count();
        if !(1..=Self::MAX).contains(&length) {
            return Err(bad_length(1, Self::MAX));
        }
        // Control and bidirectional-override characters let a name hide or reorder text.
        if name
            .chars()
            .any(|c| c.is_control() || ('\u{202A}'..='\u{202E}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c))
        {
            return Err(invalid("DISPLAY_NAME_INVALID_CHARACTERS", "Display names cannot contain control characters."));
        }
        Ok(Self(name.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address, checked for shape only (delivery is not verified) and kept in lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim().to_lowercase();
        let problem = || invalid("EMAIL_TYPE_INVALID_EMAIL", "Not a well formed email address.");
        if email.len() > Self::MAX {
            return Err(bad_length(3, Self::MAX));
        }
        let (local, domain) = email.split_once('@').ok_or_else(problem)?;
        let well_formed = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(problem());
        }
        Ok(Self(email))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A new password: 8-128 characters. The upper bound keeps Argon2 work per request bounded.
/// Debug never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub const MIN: usize = 8;
    pub const MAX: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let length = raw.chars().count();
        if length < Self::MIN {
            return Err(invalid("PASSWORD_TOO_SHORT", format!("Must be at least {} characters long.", Self::MIN)));
        }
        if length > Self::MAX {
            return Err(invalid("PASSWORD_TOO_LONG", format!("Must be at most {} characters long.", Self::MAX)));
        }
        if raw.trim().is_empty() || raw.contains('\0') {
            return Err(invalid("PASSWORD_INVALID", "Passwords cannot be blank or contain NUL characters."));
        }
        Ok(Self(raw.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn usernames_fold_to_lower_case() {
        assert_eq!(Username::parse("Alice_01.x").unwrap().as_str(), "alice_01.x");
    }

    #[test]
    fn usernames_refuse_bad_lengths_characters_and_reserved_names() {
        assert_eq!(Username::parse("a").unwrap_err().code, "BASE_TYPE_BAD_LENGTH");
        assert_eq!(Username::parse(&"a".repeat(33)).unwrap_err().code, "BASE_TYPE_BAD_LENGTH");
        for bad in ["al ice", "al'ice", "ålice", "al--ice", "a;DROP TABLE users", "a\0b", "ab..c"] {
            assert_eq!(Username::parse(bad).unwrap_err().code, "USERNAME_INVALID_CHARACTERS", "{bad:?}");
        }
        assert_eq!(Username::parse("Everyone").unwrap_err().code, "USERNAME_RESERVED");
        assert_eq!(
            Username::parse("Deleted_User_42").unwrap_err().code,
            "USERNAME_RESERVED",
            "deleted accounts' names"
        );
    }

    #[test]
    fn display_names_accept_any_script_and_refuse_control_characters() {
        assert_eq!(DisplayName::parse("  Zoë 🦀 日本  ").unwrap().as_str(), "Zoë 🦀 日本");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("evil\u{202E}txt").is_err());
        assert!(DisplayName::parse("new\nline").is_err());
        assert!(DisplayName::parse(&"é".repeat(32)).is_ok());
        assert!(DisplayName::parse(&"é".repeat(33)).is_err());
    }

    #[test]
    fn emails_are_shape_checked_and_lower_cased() {
        assert_eq!(Email::parse(" Bob@Example.ORG ").unwrap().as_str(), "bob@example.org");
        for bad in ["bob", "@example.org", "bob@", "bob@example", "bob@@example.org", "b ob@example.org", "bob@.org"] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_are_bounded_and_never_printed() {
        assert_eq!(Password::parse("short").unwrap_err().code, "PASSWORD_TOO_SHORT");
        assert_eq!(Password::parse(&"x".repeat(129)).unwrap_err().code, "PASSWORD_TOO_LONG");
        assert_eq!(Password::parse("        ").unwrap_err().code, "PASSWORD_INVALID");
        let p = Password::parse("correct horse battery").unwrap();
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
    }

    proptest! {
        /// Whatever a client sends, a parsed username satisfies every rule.
        #[test]
        fn any_accepted_username_obeys_the_rules(raw in "\\PC{0,40}") {
            if let Ok(name) = Username::parse(&raw) {
                let s = name.as_str();
                prop_assert!((2..=32).contains(&s.len()));
                prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'));
                prop_assert!(!s.contains(".."));
            }
        }
    }
}
