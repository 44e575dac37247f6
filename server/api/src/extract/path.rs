//! Path parameters: the [`Path`] extractor reads ids straight into [`Snowflake`]s (and
//! [`UserIdOrMe`] where a route takes `@me`), and answers a parameter that is not an id as
//! the "unknown" error of what it names, by the parameter's name: a `guild_id` that is not a
//! snowflake is an Unknown Guild (10004), just as a snowflake naming no guild is. A route
//! whose parameter means something else than its name says (a banned user's `user_id` is an
//! Unknown Ban) states it on its own parameters type ([`PathParams::UNKNOWN`]).
//!
//! Codes, emoji and other text stay `String`s, which are never refused.

use axum::extract::FromRequestParts;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use parley_app::access::{unknown_channel, unknown_guild, unknown_overwrite_target, unknown_role};
use parley_app::applications::unknown_application;
use parley_app::auth::unknown_session;
use parley_app::error::AppError;
use parley_app::objects::message::unknown_message;
use parley_app::private_channels::unknown_user;
use parley_core::Snowflake;
use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};

/// A route's path parameters read into `T`: a [`Snowflake`], a [`UserIdOrMe`] or a `String`,
/// a tuple of them in the route's order, or a struct naming them (see [`PathParams`]). A
/// parameter that does not fit is answered by [`unknown`]; anything else axum refuses (text
/// that is not UTF-8 once decoded) keeps axum's answer.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

/// A parameter's name, and the answer when it is not an id.
pub type Unknown = (&'static str, fn() -> AppError);

/// What a route's path parameters read into.
pub trait PathParams: DeserializeOwned + Send {
    /// Parameters that name something else on this route than their name says, with their
    /// answer when they are not an id; every other parameter is answered by its name.
    const UNKNOWN: &'static [Unknown] = &[];
}

impl PathParams for Snowflake {}
impl PathParams for UserIdOrMe {}
impl PathParams for String {}
impl<A: DeserializeOwned + Send, B: DeserializeOwned + Send> PathParams for (A, B) {}
impl<A: DeserializeOwned + Send, B: DeserializeOwned + Send, C: DeserializeOwned + Send> PathParams for (A, B, C) {}
impl<A, B, C, D> PathParams for (A, B, C, D)
where
    A: DeserializeOwned + Send,
    B: DeserializeOwned + Send,
    C: DeserializeOwned + Send,
    D: DeserializeOwned + Send,
{
}

/// The answer for path parameter `key` when it is not an id: the "unknown" error of what the
/// name says it names. `None` for a name no route uses for an id.
pub fn unknown(key: &str) -> Option<AppError> {
    Some(match key {
        "guild_id" => unknown_guild(),
        "channel_id" => unknown_channel(),
        "message_id" => unknown_message(),
        "role_id" => unknown_role(),
        "user_id" => unknown_user(),
        "overwrite_id" => unknown_overwrite_target(),
        "application_id" => unknown_application(),
        "session_id" => unknown_session(),
        "webhook_id" => parley_app::objects::webhook::unknown_webhook(),
        "command_id" => parley_app::interactions::unknown_command(),
        "interaction_id" => parley_app::interactions::unknown_interaction(),
        "emoji_id" => parley_app::objects::emoji::unknown_emoji(),
        _ => return None,
    })
}

impl<S: Send + Sync, T: PathParams> FromRequestParts<S> for Path<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let failed = match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => return Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(failed)) => failed,
            Err(other) => return Err(other.into_response()),
        };
        let key = match failed.kind() {
            ErrorKind::DeserializeError { key, .. } | ErrorKind::ParseErrorAtKey { key, .. } => Some(key.as_str()),
            _ => None,
        };
        let answer = key.and_then(|key| match T::UNKNOWN.iter().find(|(name, _)| *name == key) {
            Some((_, answer)) => Some(answer()),
            None => unknown(key),
        });
        Err(match answer {
            Some(error) => error.into_response(),
            None => PathRejection::FailedToDeserializePathParams(failed).into_response(),
        })
    }
}

/// A user id, or `@me` for the caller (`DELETE /channels/{channel_id}/recipients/@me`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserIdOrMe {
    Me,
    Id(Snowflake),
}

impl UserIdOrMe {
    /// The id this names, `me` being the caller's.
    pub fn or_me(self, me: Snowflake) -> Snowflake {
        match self {
            Self::Me => me,
            Self::Id(id) => id,
        }
    }
}

impl<'de> Deserialize<'de> for UserIdOrMe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OrMe;
        impl Visitor<'_> for OrMe {
            type Value = UserIdOrMe;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a user id or @me")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UserIdOrMe, E> {
                if v == "@me" { Ok(UserIdOrMe::Me) } else { v.parse().map(UserIdOrMe::Id).map_err(E::custom) }
            }
        }
        d.deserialize_str(OrMe)
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use parley_app::objects::member::unknown_member;
    use serde::Deserialize;
    use tower::ServiceExt;

    use super::*;

    /// The status and body (JSON, or else text) `uri` answers in a router serving `route` with
    /// `handler`.
    async fn answer<H, T>(route: &str, handler: H, uri: &str) -> (StatusCode, serde_json::Value)
    where
        H: axum::handler::Handler<T, ()>,
        T: 'static,
    {
        let router = Router::new().route(route, get(handler));
        let response = router.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let status = response.status();
        let json = response.headers().get("content-type").is_some_and(|t| t == "application/json");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (status, if json { serde_json::from_str(&text).unwrap() } else { text.into() })
    }

    fn error(status: StatusCode, code: u64, message: &str) -> (StatusCode, serde_json::Value) {
        (status, serde_json::json!({ "code": code, "message": message }))
    }

    async fn one_id(Path(id): Path<Snowflake>) -> String {
        id.to_string()
    }

    #[tokio::test]
    async fn a_non_numeric_id_answers_the_unknown_error_of_what_its_parameter_names() {
        let not_found = StatusCode::NOT_FOUND;
        let cases = [
            ("guild_id", error(not_found, 10004, "Unknown Guild")),
            ("channel_id", error(not_found, 10003, "Unknown Channel")),
            ("message_id", error(not_found, 10008, "Unknown Message")),
            ("role_id", error(not_found, 10011, "Unknown Role")),
            ("user_id", error(not_found, 10013, "Unknown User")),
            ("application_id", error(not_found, 10002, "Unknown Application")),
            ("session_id", error(not_found, 90007, "Unknown session")),
        ];
        for (name, expected) in cases {
            let route = format!("/things/{{{name}}}");
            for bad in ["abc", "12a", "-1", "+1", "1.5", "18446744073709551616", "@me"] {
                assert_eq!(answer(&route, one_id, &format!("/things/{bad}")).await, expected, "{name} = {bad}");
            }
            assert_eq!(answer(&route, one_id, "/things/42").await, (StatusCode::OK, "42".into()), "{name}");
        }
    }

    #[tokio::test]
    async fn a_non_numeric_overwrite_target_is_the_field_error_it_always_was() {
        let (status, body) = answer("/permissions/{overwrite_id}", one_id, "/permissions/abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], 50035);
        assert_eq!(body["errors"]["id"]["_errors"][0]["code"], "OVERWRITE_TARGET_UNKNOWN");
    }

    #[tokio::test]
    async fn ids_in_a_tuple_are_read_in_the_routes_order_and_the_first_bad_one_answers() {
        async fn two(Path((channel_id, message_id)): Path<(Snowflake, Snowflake)>) -> String {
            format!("{channel_id}/{message_id}")
        }
        let route = "/channels/{channel_id}/messages/{message_id}";
        assert_eq!(answer(route, two, "/channels/1/messages/2").await, (StatusCode::OK, "1/2".into()));
        assert_eq!(
            answer(route, two, "/channels/1/messages/x").await,
            error(StatusCode::NOT_FOUND, 10008, "Unknown Message")
        );
        assert_eq!(
            answer(route, two, "/channels/x/messages/y").await,
            error(StatusCode::NOT_FOUND, 10003, "Unknown Channel")
        );
    }

    #[tokio::test]
    async fn a_route_gives_a_parameter_its_own_meaning_on_its_parameters_type() {
        #[derive(Deserialize)]
        struct MemberPath {
            guild_id: Snowflake,
            user_id: UserIdOrMe,
        }
        impl PathParams for MemberPath {
            const UNKNOWN: &'static [Unknown] = &[("user_id", unknown_member)];
        }
        async fn member(Path(MemberPath { guild_id, user_id }): Path<MemberPath>) -> String {
            format!("{guild_id}/{}", user_id.or_me(Snowflake::new(7)))
        }
        let route = "/guilds/{guild_id}/members/{user_id}";
        assert_eq!(answer(route, member, "/guilds/1/members/2").await, (StatusCode::OK, "1/2".into()));
        assert_eq!(answer(route, member, "/guilds/1/members/@me").await, (StatusCode::OK, "1/7".into()));
        assert_eq!(
            answer(route, member, "/guilds/1/members/me").await,
            error(StatusCode::NOT_FOUND, 10007, "Unknown Member")
        );
        assert_eq!(
            answer(route, member, "/guilds/x/members/@me").await,
            error(StatusCode::NOT_FOUND, 10004, "Unknown Guild")
        );
    }

    #[tokio::test]
    async fn text_parameters_are_never_refused_and_bad_utf8_keeps_axums_answer() {
        async fn text(Path((channel_id, emoji)): Path<(Snowflake, String)>) -> String {
            format!("{channel_id} {emoji}")
        }
        let route = "/channels/{channel_id}/reactions/{emoji}";
        assert_eq!(answer(route, text, "/channels/1/reactions/%F0%9F%91%8D").await, (StatusCode::OK, "1 👍".into()));
        let (status, body) = answer(route, text, "/channels/1/reactions/%FF").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.as_str().is_some_and(|text| text.starts_with("Invalid URL")), "{body}");
    }

    #[tokio::test]
    async fn a_parameter_no_route_uses_for_an_id_keeps_axums_answer() {
        let (status, body) = answer("/things/{thing}", one_id, "/things/abc").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body.as_str().is_some_and(|text| text.starts_with("Invalid URL")), "{body}");
    }
}
