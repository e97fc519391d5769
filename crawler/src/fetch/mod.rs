//! Fetching: the [`Transport`] trait (one HTTP exchange, no redirects followed), the clearnet
//! transport over reqwest, the Tor transport over arti ([`tor`]), the address guard, and body decoding (content encoding, charset).
//!
//! Redirects, retries and politeness live in the scheduler ([`crate::crawl`]) so that every hop
//! and every attempt passes the same scope, robots and rate checks and is archived.

pub mod clearnet;
pub mod decode;
pub mod guard;
pub mod tor;
pub mod transport;

pub use clearnet::{ClearnetTransport, install_crypto_provider};
pub use tor::{TorConfig, TorTransport};
pub use transport::{FetchError, FetchLimits, FetchRequest, FetchResponse, Transport};
