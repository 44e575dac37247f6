//! Resolving a hop's host to the addresses it may connect to. The crate resolves names itself,
//! checks every address, and hands the connection only addresses it checked: nothing resolves
//! the name a second time, so a name cannot answer with a public address for the check and a
//! private one for the connection (DNS rebinding).

use std::io;
use std::net::SocketAddr;

use crate::error::OutboundError;
use crate::policy::OutboundPolicy;
use crate::target::{Destination, Target};

/// The addresses `target` may be connected at, in the resolver's order. A name's addresses
/// that the policy refuses are dropped; if none is left, the first refusal is the error.
pub(crate) async fn addresses(policy: &OutboundPolicy, target: &Target) -> Result<Vec<SocketAddr>, OutboundError> {
    let name = match &target.destination {
        Destination::Address(ip) => return Ok(vec![SocketAddr::new(*ip, target.port)]),
        Destination::Name(name) => name,
    };
    let resolve_error = |source| OutboundError::Resolve { host: name.clone(), source };
    let resolved = tokio::net::lookup_host((name.as_str(), target.port)).await.map_err(resolve_error)?;
    let mut permitted: Vec<SocketAddr> = Vec::new();
    let mut first_refusal = None;
    for address in resolved {
        match policy.permits(address.ip()) {
            Ok(ip) => {
                let address = SocketAddr::new(ip, address.port());
                if !permitted.contains(&address) {
                    permitted.push(address);
                }
            }
            Err(refusal) => {
                first_refusal.get_or_insert(OutboundError::Refused {
                    name: Some(name.clone()),
                    address: address.ip(),
                    refusal,
                });
            }
        }
    }
    match (permitted.is_empty(), first_refusal) {
        (false, _) => Ok(permitted),
        (true, Some(refused)) => Err(refused),
        (true, None) => Err(resolve_error(io::Error::new(io::ErrorKind::NotFound, "the name has no addresses"))),
    }
}
