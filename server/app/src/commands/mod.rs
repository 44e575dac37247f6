//! Application commands: what an application defines ([`definition`]), how the API shows
//! them ([`object`]), and checking a person's use of one against its definition
//! ([`invocation`]).

pub mod definition;
pub mod invocation;
pub mod object;
