//! Application commands: what an application defines ([`definition`]), how the API shows
//! them ([`object`]), checking a person's use of one against its definition
//! ([`invocation`]), and who may use which in a guild ([`permissions`]).

pub mod definition;
pub mod invocation;
pub mod object;
pub mod permissions;
