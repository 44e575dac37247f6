//! The WebRTC engine both ends build on: which codecs (Opus; VP8 and H.264) and feedback
//! Parley negotiates, the interceptors (NACK, RTCP reports), and for the server, ICE over
//! one shared UDP port.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::Arc;

use webrtc::api::interceptor_registry::{configure_nack, configure_rtcp_reports};
use webrtc::api::media_engine::{MIME_TYPE_H264, MIME_TYPE_OPUS, MIME_TYPE_VP8, MediaEngine};
use webrtc::api::setting_engine::SettingEngine;
use webrtc::api::{API, APIBuilder};
use webrtc::ice::mdns::MulticastDnsMode;
use webrtc::ice::network_type::NetworkType;
use webrtc::ice::udp_mux::{UDPMuxDefault, UDPMuxParams};
use webrtc::ice::udp_network::UDPNetwork;
use webrtc::ice_transport::ice_candidate_type::RTCIceCandidateType;
use webrtc::interceptor::registry::Registry;
use webrtc::rtp_transceiver::RTCPFeedback;
use webrtc::rtp_transceiver::rtp_codec::{RTCRtpCodecCapability, RTCRtpCodecParameters, RTPCodecType};

/// Opus as browsers send it: stereo-capable, in-band FEC.
pub fn opus() -> RTCRtpCodecCapability {
    RTCRtpCodecCapability {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

/// VP8 with the feedback an SFU relies on: NACK for retransmission, PLI and FIR for
/// keyframes.
pub fn vp8() -> RTCRtpCodecCapability {
    let feedback = |typ: &str, parameter: &str| RTCPFeedback { typ: typ.to_owned(), parameter: parameter.to_owned() };
    RTCRtpCodecCapability {
        mime_type: MIME_TYPE_VP8.to_owned(),
        clock_rate: 90_000,
        channels: 0,
        sdp_fmtp_line: String::new(),
        rtcp_feedback: vec![feedback("nack", ""), feedback("nack", "pli"), feedback("ccm", "fir")],
    }
}

/// H.264 constrained baseline, packetization mode 1 (what browsers that publish H.264 send),
/// with the same feedback as VP8.
pub fn h264() -> RTCRtpCodecCapability {
    RTCRtpCodecCapability {
        mime_type: MIME_TYPE_H264.to_owned(),
        sdp_fmtp_line: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f".to_owned(),
        ..vp8()
    }
}

/// Only what the SFU forwards as it is: Opus, VP8 (preferred) and H.264. A publisher's video
/// goes to each subscriber in the publisher's own codec (no transcoding), so a subscriber
/// whose browser cannot decode H.264 does not see an H.264 publisher.
fn media_engine() -> Result<MediaEngine, webrtc::Error> {
    let mut media = MediaEngine::default();
    media.register_codec(
        RTCRtpCodecParameters { capability: opus(), payload_type: 111, ..Default::default() },
        RTPCodecType::Audio,
    )?;
    media.register_codec(
        RTCRtpCodecParameters { capability: vp8(), payload_type: 96, ..Default::default() },
        RTPCodecType::Video,
    )?;
    media.register_codec(
        RTCRtpCodecParameters { capability: h264(), payload_type: 102, ..Default::default() },
        RTPCodecType::Video,
    )?;
    Ok(media)
}

/// NACK generation and response (retransmission from a per-stream history) and sender and
/// receiver reports. Bandwidth estimation is the publisher's own business: the SFU forwards
/// without transcoding.
fn interceptors(media: &mut MediaEngine) -> Registry {
    let registry = configure_nack(Registry::new(), media);
    configure_rtcp_reports(registry)
}

/// The server's engine: every peer connection's ICE runs over `socket` (one UDP port for
/// all), advertising `public_ip` when set, else the socket's own address.
pub fn server_api(socket: tokio::net::UdpSocket, public_ip: Option<IpAddr>) -> Result<API, webrtc::Error> {
    let local: SocketAddr = socket.local_addr().map_err(|e| webrtc::Error::new(e.to_string()))?;
    let mut settings = SettingEngine::default();
    settings.set_udp_network(UDPNetwork::Muxed(UDPMuxDefault::new(UDPMuxParams::new(socket))));
    settings.set_network_types(vec![if local.is_ipv6() { NetworkType::Udp6 } else { NetworkType::Udp4 }]);
    settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
    // The one local address candidates are gathered on, if any: the bound one, or with a
    // public address on a socket bound to every address, the one this host reaches it from.
    let gathered = match (local.ip(), public_ip) {
        (bound, _) if !bound.is_unspecified() => Some(bound),
        (_, Some(public)) => route_source(public),
        (_, None) => None,
    };
    if let Some(only) = gathered {
        // Other interfaces cannot reach a socket bound to one address. And with a public
        // address, every gathered address is advertised as that one: two would be the same
        // candidate twice, and the ICE agent closes a duplicate's connection, which on the
        // shared UDP port is every candidate's, so no call would ever connect.
        settings.set_ip_filter(Box::new(move |ip: IpAddr| ip == only));
    }
    // Without one address (bound to every address, no public one), loopback too, as before.
    settings.set_include_loopback_candidate(gathered.map_or(public_ip.is_none(), |ip| ip.is_loopback()));
    if let Some(public) = public_ip {
        settings.set_nat_1to1_ips(vec![public.to_string()], RTCIceCandidateType::Host);
    }
    build(settings)
}

/// The local address this host sends from to reach `destination` (a connected UDP socket's
/// own address; no packet is sent). In a container, the container's address; on a host
/// that owns its public address, that address.
fn route_source(destination: IpAddr) -> Option<IpAddr> {
    let unspecified: IpAddr =
        if destination.is_ipv6() { Ipv6Addr::UNSPECIFIED.into() } else { Ipv4Addr::UNSPECIFIED.into() };
    let probe = UdpSocket::bind((unspecified, 0)).ok()?;
    probe.connect((destination, 9)).ok()?;
    probe.local_addr().ok().map(|address| address.ip())
}

/// A client's engine (tests and the benchmark): ephemeral ports, loopback only.
pub fn client_api() -> Result<API, webrtc::Error> {
    client_api_on(IpAddr::is_loopback)
}

/// A client's engine gathering on the IPv4 addresses `usable` accepts (the benchmark's
/// clients of a server that, like Janus, will not gather on loopback: this machine's own
/// address, which never leaves it).
pub fn client_api_on(usable: fn(&IpAddr) -> bool) -> Result<API, webrtc::Error> {
    let mut settings = SettingEngine::default();
    settings.set_network_types(vec![NetworkType::Udp4]);
    settings.set_ice_multicast_dns_mode(MulticastDnsMode::Disabled);
    settings.set_include_loopback_candidate(true);
    settings.set_ip_filter(Box::new(move |ip: IpAddr| usable(&ip)));
    build(settings)
}

fn build(settings: SettingEngine) -> Result<API, webrtc::Error> {
    let mut media = media_engine()?;
    let registry = interceptors(&mut media);
    Ok(APIBuilder::new()
        .with_setting_engine(settings)
        .with_media_engine(media)
        .with_interceptor_registry(registry)
        .build())
}

/// Shared handle to an engine.
pub type Engine = Arc<API>;
