//! Identifier validators: a string that fails its checksum or format is not an identifier.

mod contact;
mod crypto;
mod date;
mod memo;
mod onion;
mod pgp;

use std::str::FromStr;

use memo::Checksummed;

pub use phonenumber::country::Id as Region;

/// A named validator a rule may use (`validate = "btc"` in a pack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// Bitcoin base58check / bech32 / bech32m.
    Btc,
    /// Litecoin base58check / bech32.
    Ltc,
    /// Ethereum, EIP-55 when mixed case.
    Eth,
    /// Tron base58check.
    Trx,
    /// Monero with its Keccak-256 checksum.
    Xmr,
    /// Tor v3 onion address.
    Onion,
    /// 40-hex PGP fingerprint written in text.
    PgpFingerprint,
    /// Armored public key block → primary key fingerprint.
    PgpKey,
    /// E-mail address.
    Email,
    /// Phone number → E.164.
    Phone,
    /// Telegram handle or link.
    Telegram,
    /// Session id.
    Session,
    /// WhatsApp `wa.me` link → E.164.
    WhatsApp,
    /// Threema id.
    Threema,
    /// Any handle, lower-cased.
    Lower,
    /// Absolute URL.
    Url,
}

impl FromStr for Validator {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "btc" => Self::Btc,
            "ltc" => Self::Ltc,
            "eth" => Self::Eth,
            "trx" => Self::Trx,
            "xmr" => Self::Xmr,
            "onion" => Self::Onion,
            "pgp_fingerprint" => Self::PgpFingerprint,
            "pgp_key" => Self::PgpKey,
            "email" => Self::Email,
            "phone" => Self::Phone,
            "telegram" => Self::Telegram,
            "session" => Self::Session,
            "whatsapp" => Self::WhatsApp,
            "threema" => Self::Threema,
            "lower" => Self::Lower,
            "url" => Self::Url,
            other => {
                return Err(format!(
                    "unknown validator `{other}` (known: btc ltc eth trx xmr onion pgp_fingerprint \
                     pgp_key email phone telegram session whatsapp threema lower url)"
                ));
            }
        })
    }
}

impl Validator {
    /// Checks `s` and returns its canonical form (DESIGN.md §3), or `None` if it is not valid.
    pub fn check(self, s: &str, region: Option<Region>) -> Option<String> {
        match self {
            // Checksums: remembered per thread (see `memo`).
            Self::Btc => memo::checked(Checksummed::Btc, s),
            Self::Ltc => memo::checked(Checksummed::Ltc, s),
            Self::Trx => memo::checked(Checksummed::Trx, s),
            Self::Xmr => memo::checked(Checksummed::Xmr, s),
            Self::Eth => crypto::eth(s),
            Self::Onion => onion::onion_v3(s),
            Self::PgpFingerprint => pgp::fingerprint_text(s),
            Self::PgpKey => pgp::fingerprint_from_armor(s),
            Self::Email => contact::email(s),
            Self::Phone => contact::phone(s, region),
            Self::Telegram => contact::telegram(s),
            Self::Session => contact::session(s),
            Self::WhatsApp => contact::whatsapp(s),
            Self::Threema => contact::threema(s),
            Self::Lower => Some(s.to_lowercase()),
            Self::Url => contact::url(s),
        }
    }
}

/// Parses an ISO 3166 alpha-2 region code (`MK`), case-insensitive.
pub fn region(code: &str) -> Option<Region> {
    code.trim().to_ascii_uppercase().parse().ok()
}

#[cfg(test)]
mod hostile_tests {
    use super::*;

    const ALL: [Validator; 16] = [
        Validator::Btc,
        Validator::Ltc,
        Validator::Eth,
        Validator::Trx,
        Validator::Xmr,
        Validator::Onion,
        Validator::PgpFingerprint,
        Validator::PgpKey,
        Validator::Email,
        Validator::Phone,
        Validator::Telegram,
        Validator::Session,
        Validator::WhatsApp,
        Validator::Threema,
        Validator::Lower,
        Validator::Url,
    ];

    proptest::proptest! {
        /// A maintainer's pattern may hand a validator any text, Cyrillic and emoji included:
        /// it answers, valid or not, and never panics.
        #[test]
        fn validators_take_any_text(
            s in "(?:bc1|ltc1|0x|T|4|@|\\+389|wa\\.me/|https?://|[a-zA-Z0-9]|ш|€|😀|\u{301}|-----BEGIN PGP PUBLIC KEY BLOCK-----|\\.onion| |\\n){0,30}",
        ) {
            for v in ALL {
                let _ = v.check(&s, region("MK"));
            }
        }
    }
}
