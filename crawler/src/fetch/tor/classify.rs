//! Why a Tor connection failed, in the words an analyst needs ("descriptor not found",
//! "introduction failed" …), from arti's error kinds and messages.

use arti_client::{ErrorKind, HasKind};

/// The class of a Tor failure, recorded in the fetch log (`tor_<class>`) and shown by
/// `crawl status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TorFailure {
    /// The client could not bootstrap (no consensus, authorities unreachable).
    Bootstrap,
    /// No descriptor for the onion service was found on its directories: the service is down,
    /// gone, or has never published.
    DescriptorNotFound,
    /// A descriptor was found, but none of its introduction points answered.
    IntroductionFailed,
    /// The introduction worked but the rendezvous did not complete.
    RendezvousFailed,
    /// The service (or, through an exit, the host) refused the connection: nothing listens on
    /// that port.
    ConnectionRefused,
    /// A circuit could not be built or collapsed.
    CircuitFailed,
    /// The service requires client authorization (a key we do not have, or a wrong one).
    ClientAuth,
    /// An attempt exceeded its time budget.
    Timeout,
    /// Anything else arti reported.
    Other,
}

impl TorFailure {
    /// Stable class name for the fetch log and error counts.
    pub fn class(self) -> &'static str {
        match self {
            TorFailure::Bootstrap => "tor_bootstrap",
            TorFailure::DescriptorNotFound => "tor_descriptor_not_found",
            TorFailure::IntroductionFailed => "tor_introduction_failed",
            TorFailure::RendezvousFailed => "tor_rendezvous_failed",
            TorFailure::ConnectionRefused => "tor_connection_refused",
            TorFailure::CircuitFailed => "tor_circuit_failed",
            TorFailure::ClientAuth => "tor_client_auth",
            TorFailure::Timeout => "tor_timeout",
            TorFailure::Other => "tor_other",
        }
    }

    /// True when another attempt may succeed (the transport retries these with back-off).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            TorFailure::DescriptorNotFound
                | TorFailure::IntroductionFailed
                | TorFailure::RendezvousFailed
                | TorFailure::CircuitFailed
                | TorFailure::Timeout
                | TorFailure::Other
        )
    }

    /// Classifies an arti error (its kind first, then its message chain).
    pub fn of(error: &arti_client::Error) -> Self {
        Self::from_parts(error.kind(), &error_chain(error))
    }

    /// Classifies from an error kind and the error's full message.
    pub fn from_parts(kind: ErrorKind, message: &str) -> Self {
        let m = message.to_ascii_lowercase();
        match kind {
            ErrorKind::OnionServiceNotFound => TorFailure::DescriptorNotFound,
            ErrorKind::OnionServiceNotRunning => TorFailure::IntroductionFailed,
            ErrorKind::OnionServiceConnectionFailed | ErrorKind::OnionServiceProtocolViolation => {
                if m.contains("rendezvous") || m.contains("rend ") || m.contains("rendpt") {
                    TorFailure::RendezvousFailed
                } else {
                    TorFailure::IntroductionFailed
                }
            }
            ErrorKind::OnionServiceMissingClientAuth | ErrorKind::OnionServiceWrongClientAuth => {
                TorFailure::ClientAuth
            }
            ErrorKind::RemoteConnectionRefused => TorFailure::ConnectionRefused,
            ErrorKind::RemoteStreamClosed | ErrorKind::RemoteStreamReset
                if m.contains("refused") || m.contains("connectrefused") =>
            {
                TorFailure::ConnectionRefused
            }
            ErrorKind::TorNetworkTimeout
            | ErrorKind::RemoteNetworkTimeout
            | ErrorKind::ExitTimeout => TorFailure::Timeout,
            ErrorKind::BootstrapRequired
            | ErrorKind::TorDirectoryUnusable
            | ErrorKind::DirectoryExpired => TorFailure::Bootstrap,
            ErrorKind::CircuitCollapse
            | ErrorKind::CircuitRefused
            | ErrorKind::NoPath
            | ErrorKind::NoExit
            | ErrorKind::TransientFailure
            | ErrorKind::TorDirectoryError
            | ErrorKind::RelayTooBusy => TorFailure::CircuitFailed,
            _ if m.contains("descriptor") => TorFailure::DescriptorNotFound,
            _ if m.contains("rendezvous") => TorFailure::RendezvousFailed,
            _ if m.contains("introduction") => TorFailure::IntroductionFailed,
            _ if m.contains("refused") => TorFailure::ConnectionRefused,
            _ => TorFailure::Other,
        }
    }
}

impl std::fmt::Display for TorFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TorFailure::Bootstrap => "Tor bootstrap failed",
            TorFailure::DescriptorNotFound => "onion service descriptor not found",
            TorFailure::IntroductionFailed => "introduction to the onion service failed",
            TorFailure::RendezvousFailed => "rendezvous with the onion service failed",
            TorFailure::ConnectionRefused => "connection refused by the service",
            TorFailure::CircuitFailed => "Tor circuit failed",
            TorFailure::ClientAuth => "onion service requires client authorization",
            TorFailure::Timeout => "timed out in Tor",
            TorFailure::Other => "Tor error",
        })
    }
}

/// The error and all its sources, joined by `: `.
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last() != Some(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_the_classes_analysts_see() {
        let cases = [
            (
                ErrorKind::OnionServiceNotFound,
                "",
                "tor_descriptor_not_found",
            ),
            (
                ErrorKind::OnionServiceNotRunning,
                "",
                "tor_introduction_failed",
            ),
            (
                ErrorKind::OnionServiceConnectionFailed,
                "Unable to connect: rendezvous circuit timed out",
                "tor_rendezvous_failed",
            ),
            (
                ErrorKind::OnionServiceConnectionFailed,
                "introduction point failed",
                "tor_introduction_failed",
            ),
            (
                ErrorKind::RemoteConnectionRefused,
                "",
                "tor_connection_refused",
            ),
            (
                ErrorKind::RemoteStreamClosed,
                "stream closed: END CONNECTREFUSED",
                "tor_connection_refused",
            ),
            (ErrorKind::TorNetworkTimeout, "", "tor_timeout"),
            (ErrorKind::NoPath, "", "tor_circuit_failed"),
            (ErrorKind::BootstrapRequired, "", "tor_bootstrap"),
            (
                ErrorKind::OnionServiceMissingClientAuth,
                "",
                "tor_client_auth",
            ),
            (ErrorKind::Other, "weird", "tor_other"),
        ];
        for (kind, msg, class) in cases {
            assert_eq!(
                TorFailure::from_parts(kind, msg).class(),
                class,
                "{kind:?} {msg}"
            );
        }
    }

    #[test]
    fn refused_and_auth_are_not_retried() {
        assert!(!TorFailure::ConnectionRefused.retryable());
        assert!(!TorFailure::ClientAuth.retryable());
        assert!(TorFailure::DescriptorNotFound.retryable());
        assert!(TorFailure::RendezvousFailed.retryable());
    }
}
