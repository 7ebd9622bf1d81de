//! Media retry: when the server lost a blob (a download answered 404 or 410), ask the
//! sender's phone to upload it again and download from the new path.
//!
//! [`Client::request_media_reupload`] sends the encrypted `server-error` receipt (see
//! [`wacore::media_retry`] for the wire format) and waits for the phone's `mediaretry`
//! notification; [`MediaRetryOutcome::Reuploaded`] carries the new direct path, to be used
//! with the message's unchanged media key and hashes (e.g.
//! [`Client::download_from_params`]). The notification is also dispatched as
//! `Event::Notification` for applications that track retries themselves.

use std::time::Duration;

pub use wacore::media_retry::{MediaRetryError, MediaRetryOutcome, MediaRetryTarget};

use crate::client::Client;
use crate::error::ClientError;
use crate::node_waiter::NodeFilter;

/// Why a media-retry request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaRetryRequestError {
    /// The client is not logged in.
    #[error("not logged in")]
    NotLoggedIn,
    /// The receipt could not be sent.
    #[error("sending the media-retry receipt failed: {0}")]
    Send(#[from] ClientError),
    /// No answer from the phone in time.
    #[error("no media-retry answer for {message_id} within {timeout:?}")]
    Timeout {
        /// The message id.
        message_id: String,
        /// How long we waited.
        timeout: Duration,
    },
    /// The request could not be built or the answer not read.
    #[error(transparent)]
    Retry(#[from] MediaRetryError),
}

impl Client {
    /// Asks the phone that sent `target` to upload its media again and waits up to
    /// `timeout` for the answer. `media_key` is the message's media key.
    pub async fn request_media_reupload(
        &self,
        target: &MediaRetryTarget,
        media_key: &[u8],
        timeout: Duration,
    ) -> Result<MediaRetryOutcome, MediaRetryRequestError> {
        let own = self
            .get_pn()
            .await
            .ok_or(MediaRetryRequestError::NotLoggedIn)?;
        let receipt = wacore::media_retry::build_media_retry_receipt(&own, target, media_key)?;
        let answer = self.wait_for_node(
            NodeFilter::tag("notification")
                .attr("type", "mediaretry")
                .attr("id", target.message_id.clone()),
        );
        self.send_node(receipt).await?;
        log::info!(target: "Client/MediaRetry", "asked for a re-upload of {}", target.message_id);
        let node = match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(node)) => node,
            _ => {
                return Err(MediaRetryRequestError::Timeout {
                    message_id: target.message_id.clone(),
                    timeout,
                });
            }
        };
        let outcome = wacore::media_retry::parse_media_retry_notification(
            &node,
            &target.message_id,
            media_key,
        )?;
        log::info!(target: "Client/MediaRetry", "{}: {outcome:?}", target.message_id);
        Ok(outcome)
    }
}
