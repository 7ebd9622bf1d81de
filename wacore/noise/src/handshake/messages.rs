//! Encoding and parsing of the three `HandshakeMessage` protobufs. Parsing checks presence and
//! sizes so the state machines only see well-formed parts.

use prost::Message as _;
use waproto::whatsapp as wa;

use crate::consts::TAG_LEN;
use crate::error::{NoiseError, Result};

/// Message 1 (client -> server): the client's ephemeral key.
pub(crate) fn encode_client_hello(ephemeral: &[u8; 32]) -> Vec<u8> {
    wa::HandshakeMessage {
        client_hello: Some(wa::handshake_message::ClientHello {
            ephemeral: Some(ephemeral.to_vec()),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// Message 2 (server -> client): ephemeral key, encrypted static key, encrypted certificate chain.
pub(crate) fn encode_server_hello(
    ephemeral: &[u8; 32],
    static_ct: Vec<u8>,
    payload_ct: Vec<u8>,
) -> Vec<u8> {
    wa::HandshakeMessage {
        server_hello: Some(wa::handshake_message::ServerHello {
            ephemeral: Some(ephemeral.to_vec()),
            r#static: Some(static_ct),
            payload: Some(payload_ct),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// Message 3 (client -> server): encrypted static key and encrypted `ClientPayload`.
pub(crate) fn encode_client_finish(static_ct: Vec<u8>, payload_ct: Vec<u8>) -> Vec<u8> {
    wa::HandshakeMessage {
        client_finish: Some(wa::handshake_message::ClientFinish {
            r#static: Some(static_ct),
            payload: Some(payload_ct),
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn malformed(message: &'static str, reason: impl Into<String>) -> NoiseError {
    let reason = reason.into();
    log::warn!(target: "Noise", "malformed {message}: {reason}");
    NoiseError::MalformedHandshake { message, reason }
}

fn decode(message: &'static str, bytes: &[u8]) -> Result<wa::HandshakeMessage> {
    wa::HandshakeMessage::decode(bytes)
        .map_err(|e| malformed(message, format!("not a HandshakeMessage: {e}")))
}

fn key32(message: &'static str, what: &str, bytes: Option<Vec<u8>>) -> Result<[u8; 32]> {
    let bytes = bytes.ok_or_else(|| malformed(message, format!("missing {what}")))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        malformed(
            message,
            format!("{what} is {} bytes, expected 32", bytes.len()),
        )
    })
}

/// An encrypted part: present and at least one tag long.
fn sealed(
    message: &'static str,
    what: &str,
    bytes: Option<Vec<u8>>,
    min_plain: usize,
) -> Result<Vec<u8>> {
    let bytes = bytes.ok_or_else(|| malformed(message, format!("missing {what}")))?;
    if bytes.len() < min_plain + TAG_LEN {
        return Err(malformed(
            message,
            format!("{what} is truncated ({} bytes)", bytes.len()),
        ));
    }
    Ok(bytes)
}

/// The client's ephemeral key from message 1.
pub(crate) fn parse_client_hello(bytes: &[u8]) -> Result<[u8; 32]> {
    const MSG: &str = "client hello";
    let hello = decode(MSG, bytes)?
        .client_hello
        .ok_or_else(|| malformed(MSG, "no clientHello"))?;
    key32(MSG, "ephemeral key", hello.ephemeral)
}

/// Parts of message 2.
pub(crate) struct ServerHelloParts {
    pub(crate) ephemeral: [u8; 32],
    pub(crate) static_ct: Vec<u8>,
    pub(crate) payload_ct: Vec<u8>,
}

pub(crate) fn parse_server_hello(bytes: &[u8]) -> Result<ServerHelloParts> {
    const MSG: &str = "server hello";
    let hello = decode(MSG, bytes)?
        .server_hello
        .ok_or_else(|| malformed(MSG, "no serverHello"))?;
    Ok(ServerHelloParts {
        ephemeral: key32(MSG, "ephemeral key", hello.ephemeral)?,
        static_ct: sealed(MSG, "encrypted static key", hello.r#static, 32)?,
        payload_ct: sealed(MSG, "encrypted certificate", hello.payload, 0)?,
    })
}

/// Parts of message 3: (encrypted static key, encrypted payload).
pub(crate) fn parse_client_finish(bytes: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    const MSG: &str = "client finish";
    let finish = decode(MSG, bytes)?
        .client_finish
        .ok_or_else(|| malformed(MSG, "no clientFinish"))?;
    Ok((
        sealed(MSG, "encrypted static key", finish.r#static, 32)?,
        sealed(MSG, "encrypted payload", finish.payload, 0)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrips_and_rejections() {
        assert_eq!(
            parse_client_hello(&encode_client_hello(&[7; 32])).unwrap(),
            [7; 32]
        );
        let hello = encode_server_hello(&[1; 32], vec![2; 48], vec![3; 20]);
        let parts = parse_server_hello(&hello).unwrap();
        assert_eq!(
            (
                parts.ephemeral,
                parts.static_ct.len(),
                parts.payload_ct.len()
            ),
            ([1; 32], 48, 20)
        );
        // Truncated protobuf, wrong message, short key, short static ciphertext.
        for bad in [
            hello[..hello.len() - 5].to_vec(),
            encode_client_hello(&[7; 32]),
            encode_server_hello(&[1; 32], vec![2; 47], vec![3; 20]),
        ] {
            assert!(matches!(
                parse_server_hello(&bad),
                Err(NoiseError::MalformedHandshake { .. })
            ));
        }
        let short_key = wa::HandshakeMessage {
            client_hello: Some(wa::handshake_message::ClientHello {
                ephemeral: Some(vec![1; 31]),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        assert!(matches!(
            parse_client_hello(&short_key),
            Err(NoiseError::MalformedHandshake { .. })
        ));
        assert!(matches!(
            parse_client_finish(&[]),
            Err(NoiseError::MalformedHandshake { .. })
        ));
    }
}
