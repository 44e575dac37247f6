//! Mentions written in message text: `<@id>` and `<@!id>` (users), `<@&id>` (roles),
//! `@everyone` and `@here`. Parsing only finds them; who actually gets mentioned is decided
//! with permissions and `allowed_mentions` by the caller.

use crate::Snowflake;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mentions {
    /// Distinct, in order of first appearance.
    pub users: Vec<Snowflake>,
    pub roles: Vec<Snowflake>,
    /// `@everyone` or `@here` appears.
    pub everyone: bool,
}

pub fn parse_mentions(content: &str) -> Mentions {
    let mut found =
        Mentions { everyone: content.contains("@everyone") || content.contains("@here"), ..Mentions::default() };
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let (is_role, body) = match rest.as_bytes().first() {
            Some(b'&') => (true, &rest[1..]),
            Some(b'!') => (false, &rest[1..]),
            _ => (false, rest),
        };
        let digits = body.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || body.as_bytes().get(digits) != Some(&b'>') {
            continue;
        }
        if let Ok(id) = body[..digits].parse::<Snowflake>() {
            let list = if is_role { &mut found.roles } else { &mut found.users };
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn users_roles_and_everyone_are_found_once_each() {
        let m = parse_mentions("hi <@12> and <@!12>, <@&34> <@56> @here <@&34>");
        assert_eq!(m.users, vec![Snowflake::new(12), Snowflake::new(56)]);
        assert_eq!(m.roles, vec![Snowflake::new(34)]);
        assert!(m.everyone);
    }

    #[test]
    fn look_alikes_are_not_mentions() {
        let m =
            parse_mentions("<@> <@abc> <@12 <@&> email@everyone.example? no: @every one, <@99999999999999999999999>");
        assert!(m.users.is_empty() && m.roles.is_empty(), "{m:?}");
        assert!(m.everyone, "'@everyone' inside other text still counts, as on Discord");
        assert!(!parse_mentions("plain text").everyone);
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_finds_what_was_written(text in "\\PC{0,200}", id in 1u64..u64::MAX) {
            let _ = parse_mentions(&text);
            let written = format!("{text}<@{id}>");
            prop_assert!(parse_mentions(&written).users.contains(&Snowflake::new(id)));
        }
    }
}
