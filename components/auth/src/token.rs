//! Opaque session tokens.

use anyhow::anyhow;
use base64ct::{Base64UrlUnpadded, Encoding};

/// Number of random bytes in a session token (256 bits).
const TOKEN_BYTES: usize = 32;

/// Returns a fresh session token: 256 random bits from the OS random number
/// generator, encoded as base64url without padding (43 characters).
///
/// # Errors
/// If the OS random number generator fails.
pub fn new_session_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow!("the OS random number generator failed: {e}"))?;
    Ok(Base64UrlUnpadded::encode_string(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn token_is_43_base64url_chars() {
        let token = new_session_token().unwrap();
        assert_eq!(token.len(), 43);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(Base64UrlUnpadded::decode_vec(&token).unwrap().len(), 32);
    }

    #[test]
    fn tokens_are_unique() {
        let tokens: HashSet<String> = (0..1000).map(|_| new_session_token().unwrap()).collect();
        assert_eq!(tokens.len(), 1000);
    }
}
