//! Resolving the WhatsApp Web version announced in the `ClientPayload`: a pinned
//! override, else the current revision from WhatsApp Web's service worker, else
//! the version stored with the device.

use std::sync::Arc;

use wacore::net::HttpRequest;

use crate::client::Client;
use crate::store::DeviceCommand;

/// Where WhatsApp Web publishes its current `client_revision`.
pub const VERSION_URL: &str = "https://web.whatsapp.com/sw.js";

/// Extracts `(2, 3000, revision)` from the service worker source.
pub fn parse_sw_version(body: &str) -> Option<(u32, u32, u32)> {
    let key = "client_revision";
    let start = body.find(key)? + key.len();
    let digits: String = body
        .get(start..)?
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let rev = digits.parse::<u32>().ok()?;
    Some((2, 3000, rev))
}

pub(crate) async fn resolve_version(client: &Arc<Client>) -> (u32, u32, u32) {
    if let Some(v) = client.config.version {
        return v;
    }
    let device = client.persistence_manager.get_device_snapshot().await;
    let stored = (
        device.app_version_primary,
        device.app_version_secondary,
        device.app_version_tertiary,
    );
    let request = HttpRequest::get(VERSION_URL)
        .with_header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
        .with_header("Origin", wacore::net::WHATSAPP_WEB_ORIGIN);
    match client.http_client.execute(request).await {
        Ok(resp) if resp.is_success() => {
            match resp
                .body_string()
                .ok()
                .as_deref()
                .and_then(parse_sw_version)
            {
                Some(v) => {
                    if v != stored {
                        client
                            .persistence_manager
                            .process_command(DeviceCommand::SetAppVersion(v))
                            .await;
                    }
                    return v;
                }
                None => log::warn!(target: "Client", "no client_revision in {VERSION_URL}"),
            }
        }
        Ok(resp) => log::warn!(target: "Client", "version fetch: HTTP {}", resp.status_code),
        Err(e) => log::warn!(target: "Client", "version fetch failed: {e}"),
    }
    log::info!(target: "Client", "using stored version {stored:?}");
    stored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_client_revision() {
        let body = r#"self.__swData=JSON.parse(/*BTDS*/"{\"dynamic_data\":{\"SiteData\":{\"server_revision\":1020,\"client_revision\":1027868167,\"x\":1}}}");"#;
        assert_eq!(parse_sw_version(body), Some((2, 3000, 1_027_868_167)));
        assert_eq!(parse_sw_version("nothing here"), None);
        assert_eq!(parse_sw_version("client_revision\":\"x\""), None);
        assert_eq!(parse_sw_version("client_revision\":99999999999"), None);
    }
}
