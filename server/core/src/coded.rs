//! Enums that Discord writes as numbers (`type` fields): one macro gives each its code, its
//! parse from a stored or sent integer, and its JSON form, so they are written once.

/// Declares `enum $name { $variant = $code, ... }` with `code()`, `TryFrom<i64>` (the error
/// names the field and the codes allowed), and serde as the bare integer.
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident / $error:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        #[doc = concat!("A ", $what, " Parley does not have.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
        #[error("{} {} is not one of {:?}", $what, .0, $name::CODES)]
        pub struct $error(pub i64);

        impl $name {
            /// Every code, in declaration order.
            pub const CODES: &'static [i64] = &[$($code),+];

            /// Discord's number for it.
            pub const fn code(self) -> i64 {
                match self {
                    $( Self::$variant => $code, )+
                }
            }

            pub const fn from_code(code: i64) -> Option<Self> {
                match code {
                    $( $code => Some(Self::$variant), )+
                    _ => None,
                }
            }
        }

        impl TryFrom<i64> for $name {
            type Error = $error;
            fn try_from(code: i64) -> Result<Self, Self::Error> {
                Self::from_code(code).ok_or($error(code))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let code = <i64 as serde::Deserialize>::deserialize(deserializer)?;
                Self::try_from(code).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use coded_enum;
