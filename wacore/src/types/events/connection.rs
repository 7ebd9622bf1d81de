//! Connection lifecycle events.

use std::time::Duration;

use wacore_binary::node::Node;

/// Connected and authenticated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Connected;

/// The connection was lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Disconnected;

/// Another client took over the session (stream error 409 / `<conflict type="replaced">`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamReplaced;

/// A stream error with a code the client does not know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamError {
    /// The `code` attribute (may be empty).
    pub code: String,
    /// The whole `<stream:error>` node.
    pub raw: Option<Node>,
}

/// Why the server refused a login (`<failure reason="...">`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFailureReason {
    /// 400.
    Generic,
    /// 401: the session was logged out.
    LoggedOut,
    /// 402: temporarily banned.
    TempBanned,
    /// 403: the main device is gone.
    MainDeviceGone,
    /// 406: logged out for an unknown reason.
    UnknownLogout,
    /// 405: the client is too old.
    ClientOutdated,
    /// 409: the user agent was refused.
    BadUserAgent,
    /// 413: the CAT expired.
    CatExpired,
    /// 414: the CAT is invalid.
    CatInvalid,
    /// 415: not found.
    NotFound,
    /// 418: unknown client.
    ClientUnknown,
    /// 500: server error.
    InternalServerError,
    /// 501: experimental.
    Experimental,
    /// 503: service unavailable.
    ServiceUnavailable,
    /// Any other code.
    Unknown(i32),
}

impl ConnectFailureReason {
    /// Maps a wire code to a reason.
    pub fn from_code(code: i32) -> Self {
        match code {
            400 => Self::Generic,
            401 => Self::LoggedOut,
            402 => Self::TempBanned,
            403 => Self::MainDeviceGone,
            405 => Self::ClientOutdated,
            406 => Self::UnknownLogout,
            409 => Self::BadUserAgent,
            413 => Self::CatExpired,
            414 => Self::CatInvalid,
            415 => Self::NotFound,
            418 => Self::ClientUnknown,
            500 => Self::InternalServerError,
            501 => Self::Experimental,
            503 => Self::ServiceUnavailable,
            other => Self::Unknown(other),
        }
    }

    /// The wire code.
    pub fn code(self) -> i32 {
        match self {
            Self::Generic => 400,
            Self::LoggedOut => 401,
            Self::TempBanned => 402,
            Self::MainDeviceGone => 403,
            Self::ClientOutdated => 405,
            Self::UnknownLogout => 406,
            Self::BadUserAgent => 409,
            Self::CatExpired => 413,
            Self::CatInvalid => 414,
            Self::NotFound => 415,
            Self::ClientUnknown => 418,
            Self::InternalServerError => 500,
            Self::Experimental => 501,
            Self::ServiceUnavailable => 503,
            Self::Unknown(c) => c,
        }
    }

    /// Whether the session is gone and the device must be paired again.
    pub fn is_logged_out(self) -> bool {
        matches!(
            self,
            Self::LoggedOut | Self::MainDeviceGone | Self::UnknownLogout
        )
    }

    /// Whether retrying the connection can help.
    pub fn should_reconnect(self) -> bool {
        matches!(
            self,
            Self::ServiceUnavailable | Self::InternalServerError | Self::Experimental
        )
    }
}

/// The server refused the login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectFailure {
    /// Why.
    pub reason: ConnectFailureReason,
    /// The `message` attribute, if any.
    pub message: String,
    /// The whole `<failure>` node.
    pub raw: Option<Node>,
}

/// Why an account was temporarily banned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TempBanReason {
    /// 101.
    SentToTooManyPeople,
    /// 102.
    BlockedByUsers,
    /// 103.
    CreatedTooManyGroups,
    /// 104.
    SentTooManySameMessage,
    /// 106.
    BroadcastList,
    /// Any other code.
    Unknown(i32),
}

impl TempBanReason {
    /// Maps a wire code to a reason.
    pub fn from_code(code: i32) -> Self {
        match code {
            101 => Self::SentToTooManyPeople,
            102 => Self::BlockedByUsers,
            103 => Self::CreatedTooManyGroups,
            104 => Self::SentTooManySameMessage,
            106 => Self::BroadcastList,
            other => Self::Unknown(other),
        }
    }
}

impl std::fmt::Display for TempBanReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SentToTooManyPeople => f.write_str("sent to too many people"),
            Self::BlockedByUsers => f.write_str("blocked by too many users"),
            Self::CreatedTooManyGroups => f.write_str("created too many groups"),
            Self::SentTooManySameMessage => f.write_str("sent the same message too often"),
            Self::BroadcastList => f.write_str("broadcast list misuse"),
            Self::Unknown(c) => write!(f, "unknown reason {c}"),
        }
    }
}

/// The account is temporarily banned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryBan {
    /// Why.
    pub code: TempBanReason,
    /// How long the ban lasts.
    pub expire: Duration,
}

/// The session was invalidated; pair again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoggedOut {
    /// Whether it happened while connecting (a `<failure>`) rather than mid-session.
    pub on_connect: bool,
    /// Why.
    pub reason: ConnectFailureReason,
}

/// The server says the client is too old.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientOutdated;

/// The QR was scanned by a phone without multi-device support.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QrScannedWithoutMultidevice;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_codes_round_trip() {
        for code in [
            400, 401, 402, 403, 405, 406, 409, 413, 414, 415, 418, 500, 501, 503, 999,
        ] {
            assert_eq!(ConnectFailureReason::from_code(code).code(), code);
        }
        assert!(ConnectFailureReason::from_code(401).is_logged_out());
        assert!(!ConnectFailureReason::from_code(503).is_logged_out());
        assert!(ConnectFailureReason::from_code(503).should_reconnect());
        assert_eq!(
            TempBanReason::from_code(104),
            TempBanReason::SentTooManySameMessage
        );
    }
}
