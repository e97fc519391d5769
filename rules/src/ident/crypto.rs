//! Cryptocurrency address checks: Bitcoin and Litecoin (base58check, bech32/bech32m), Tron
//! (base58check), Ethereum (EIP-55 when mixed case) and Monero (Monero base58, Keccak-256).

use sha3::{Digest, Keccak256};

/// Base58check payload (version byte included), or `None` when the checksum fails.
fn base58check(s: &str) -> Option<Vec<u8>> {
    bs58::decode(s).with_check(None).into_vec().ok()
}

/// Segwit address with the given human-readable part: lower-cased, or `None`.
fn segwit(s: &str, hrp: &str) -> Option<String> {
    let lower = s.to_ascii_lowercase();
    if s != lower && s != s.to_ascii_uppercase() {
        return None; // BIP-173: mixed case is invalid
    }
    let (h, _version, _program) = bech32::segwit::decode(&lower).ok()?;
    (h.as_str() == hrp).then_some(lower)
}

/// A Bitcoin mainnet address: P2PKH `1…`, P2SH `3…` (base58check, version 0x00/0x05) or
/// segwit `bc1…` (bech32 for v0, bech32m for v1+). Returns the canonical form.
pub(crate) fn btc(s: &str) -> Option<String> {
    if s.len() > 3 && s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("bc1")) {
        return segwit(s, "bc");
    }
    let payload = base58check(s)?;
    (payload.len() == 21 && matches!(payload[0], 0x00 | 0x05)).then(|| s.to_owned())
}

/// A Litecoin mainnet address: `L…` (0x30), `M…` (0x32), legacy `3…` (0x05) or `ltc1…` segwit.
pub(crate) fn ltc(s: &str) -> Option<String> {
    if s.len() > 4 && s.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("ltc1")) {
        return segwit(s, "ltc");
    }
    let payload = base58check(s)?;
    (payload.len() == 21 && matches!(payload[0], 0x30 | 0x32)).then(|| s.to_owned())
}

/// A Tron address: base58check, 21 bytes, version 0x41 (`T…`).
pub(crate) fn trx(s: &str) -> Option<String> {
    let payload = base58check(s)?;
    (payload.len() == 21 && payload[0] == 0x41).then(|| s.to_owned())
}

/// An Ethereum address `0x` + 40 hex: all-lower or all-upper accepted as is, mixed case must pass
/// EIP-55. Returns it lower-cased.
pub(crate) fn eth(s: &str) -> Option<String> {
    let hexpart = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if hexpart.len() != 40 || !hexpart.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let lower = hexpart.to_ascii_lowercase();
    let mixed = hexpart != lower && hexpart != hexpart.to_ascii_uppercase();
    if mixed {
        let hash = Keccak256::digest(lower.as_bytes());
        for (i, c) in hexpart.chars().enumerate() {
            if !c.is_ascii_alphabetic() {
                continue;
            }
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            if (nibble >= 8) != c.is_ascii_uppercase() {
                return None;
            }
        }
    }
    Some(format!("0x{lower}"))
}

const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
/// Encoded length of a Monero base58 block of n bytes (index = n).
const XMR_ENCODED: [usize; 9] = [0, 2, 3, 5, 6, 7, 9, 10, 11];

/// Monero base58: 8-byte blocks each encoded as 11 characters, the last block shorter.
fn xmr_base58_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() * 8 / 11 + 8);
    for chunk in bytes.chunks(11) {
        let size = XMR_ENCODED.iter().position(|&n| n == chunk.len())?;
        let mut num: u128 = 0;
        for &c in chunk {
            let d = B58.iter().position(|&a| a == c)? as u128;
            num = num.checked_mul(58)?.checked_add(d)?;
        }
        if size < 8 && num >= 1u128 << (8 * size) {
            return None;
        }
        if num > u64::MAX as u128 {
            return None;
        }
        let be = (num as u64).to_be_bytes();
        out.extend_from_slice(&be[8 - size..]);
    }
    Some(out)
}

/// A Monero mainnet address (standard `4…` 95 chars, subaddress `8…` 95, integrated `4…` 106):
/// network byte, keys, and the first 4 bytes of Keccak-256 over the rest as checksum.
pub(crate) fn xmr(s: &str) -> Option<String> {
    if s.len() != 95 && s.len() != 106 {
        return None;
    }
    let raw = xmr_base58_decode(s)?;
    let (body, check) = raw.split_at(raw.len().checked_sub(4)?);
    let expected_len = if s.len() == 95 { 65 } else { 73 };
    if body.len() != expected_len || !matches!(body[0], 0x12 | 0x13 | 0x2a) {
        return None;
    }
    let hash = Keccak256::digest(body);
    (hash[..4] == *check).then(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitcoin_base58check() {
        // Genesis block coinbase address and a well-known P2SH example.
        assert_eq!(
            btc("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa").as_deref(),
            Some("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
        );
        assert!(btc("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy").is_some());
        // One character changed: checksum fails.
        assert!(btc("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb").is_none());
        // Valid base58check but a testnet version byte.
        assert!(btc("mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn").is_none());
    }

    #[test]
    fn bip173_and_bip350_vectors() {
        // BIP-173 valid segwit v0 addresses.
        assert_eq!(
            btc("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4").as_deref(),
            Some("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
        );
        assert!(btc("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3").is_some());
        // BIP-350 valid bech32m (v1 taproot and v16).
        assert!(btc("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0").is_some());
        assert!(btc("BC1SW50QGDZ25J").is_some());
        assert!(btc("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs").is_some());
        // BIP-350 invalid: v0 with bech32m checksum, v1 with bech32 checksum, mixed case.
        assert!(btc("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh").is_none());
        assert!(btc("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd").is_none());
        assert!(btc("bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").is_none());
        // Wrong human-readable part (testnet).
        assert!(btc("tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx").is_none());
        // BIP-350 invalid: bad program length, zero padding.
        assert!(btc("bc1gmk9yu").is_none());
        assert!(btc("bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du").is_none());
    }

    #[test]
    fn ethereum_eip55() {
        // EIP-55 examples.
        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        assert_eq!(
            eth(good).as_deref(),
            Some("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
        );
        assert!(eth("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359").is_some());
        assert!(eth("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").is_none());
        assert!(eth("0x52908400098527886e0f7030069857d2e4169ee7").is_some());
        assert!(eth("0x52908400098527886E0F7030069857D2E4169EE7").is_some());
        assert!(eth("0x52908400098527886e0f7030069857d2e4169ee").is_none());
    }

    #[test]
    fn tron_and_litecoin() {
        assert!(trx("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7").is_some());
        assert!(trx("TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU8").is_none());
        assert!(ltc("LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9").is_some());
        assert!(ltc("LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH8").is_none());
        assert!(ltc("Le1yRjaLj5iUdRJBw3YZp1fL2DntMckLye").is_some());
        assert!(trx("TUmEAaeEo9bNXnffMBCz49HhioAvT5SPPX").is_some());
        // A Bitcoin address is not a Litecoin or Tron one.
        assert!(ltc("1Ko2AXGWeRURNcc2kuZGXzbZp1RcDZVhz8").is_none());
        assert!(trx("1Ko2AXGWeRURNcc2kuZGXzbZp1RcDZVhz8").is_none());
    }

    #[test]
    fn monero_keccak_checksum() {
        // Monero project donation address (public).
        let addr = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
        assert_eq!(xmr(addr).as_deref(), Some(addr));
        let mut broken = addr.to_owned();
        broken.replace_range(10..11, "T");
        assert!(xmr(&broken).is_none());
    }
}
