//! The outbound client against real servers on loopback: what it refuses, what it reaches when
//! allowed, how it follows redirects, and where its limits stop it. No mocks: each test starts
//! a small HTTP server on a real socket (see `helpers`).

mod destinations;
mod helpers;
mod limits;
mod redirects;
mod urls;
