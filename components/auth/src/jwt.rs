//! Verification of single-sign-on JWTs (compact JWS) issued by the marketplace.
//!
//! Accepted algorithms: `HS256` (shared secret) and `ES256` (P-256 public key
//! in PEM/SPKI form). Which algorithms are usable depends only on which keys are
//! configured in [`SsoKeys`]: an `HS256` token is never checked against the
//! ES256 public key and vice versa, so algorithm confusion is impossible.

use core::fmt;

use base64ct::{Base64UrlUnpadded, Encoding};
use hmac::{Hmac, KeyInit, Mac};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// Allowed clock difference for `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 60;

/// Longest token accepted, in bytes; SSO tokens are a few hundred bytes.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Keys and expectations for tokens from the marketplace.
#[derive(Clone)]
pub struct SsoKeys {
    /// Shared secret for HS256; `None` disables HS256.
    pub hs256_secret: Option<Vec<u8>>,
    /// P-256 public key (PEM, `-----BEGIN PUBLIC KEY-----`) for ES256;
    /// `None` disables ES256.
    pub es256_public_key_pem: Option<String>,
    /// Required value of the `iss` claim.
    pub issuer: String,
    /// Value that the `aud` claim (string or array) must contain.
    pub audience: String,
}

impl fmt::Debug for SsoKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoKeys")
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("es256_public_key_pem", &self.es256_public_key_pem.is_some())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

/// The claims of a verified token that the help center uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoClaims {
    /// Subject: the user's id at the marketplace.
    pub sub: String,
    /// The user's email address.
    pub email: String,
    /// Display name, if given.
    pub name: Option<String>,
    /// Roles granted by the marketplace (empty if absent).
    pub roles: Vec<String>,
    /// Preferred language tag, if given.
    pub lang: Option<String>,
    /// Expiry (Unix seconds).
    pub exp: i64,
}

/// Why a token was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtError {
    /// Not three dot-separated parts, or longer than [`MAX_TOKEN_LEN`].
    Malformed,
    /// A part is not valid unpadded base64url.
    BadBase64(Part),
    /// The header or payload is not the expected JSON.
    BadJson(Part),
    /// The header has no `alg`.
    MissingAlg,
    /// The header's `alg` is not HS256 or ES256 (holds the alg, shortened).
    UnsupportedAlg(String),
    /// The header lists `crit` extensions, none of which are understood.
    UnsupportedCritical,
    /// The token's algorithm is valid but no key for it is configured.
    KeyNotConfigured(&'static str),
    /// The configured key for the algorithm is unusable.
    InvalidKey(&'static str),
    /// The signature does not verify.
    BadSignature,
    /// `iss` is missing or not the configured issuer.
    IssuerNotAccepted,
    /// `aud` is missing or does not contain the configured audience.
    AudienceNotAccepted,
    /// `exp` is missing.
    MissingExpiry,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// A required claim (`sub` or `email`) is missing or empty.
    MissingClaim(&'static str),
}

/// Which part of the token an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Header,
    Payload,
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Malformed => f.write_str("malformed token"),
            JwtError::BadBase64(part) => write!(f, "token {part} is not valid base64url"),
            JwtError::BadJson(part) => {
                write!(f, "token {part} is not valid JSON of the expected shape")
            }
            JwtError::MissingAlg => f.write_str("token header has no alg"),
            JwtError::UnsupportedAlg(alg) => write!(f, "unsupported alg {alg:?}"),
            JwtError::UnsupportedCritical => f.write_str("unsupported critical header parameter"),
            JwtError::KeyNotConfigured(alg) => write!(f, "no key configured for alg {alg}"),
            JwtError::InvalidKey(alg) => write!(f, "the configured key for alg {alg} is invalid"),
            JwtError::BadSignature => f.write_str("bad signature"),
            JwtError::IssuerNotAccepted => f.write_str("issuer not accepted"),
            JwtError::AudienceNotAccepted => f.write_str("audience not accepted"),
            JwtError::MissingExpiry => f.write_str("token has no expiry"),
            JwtError::Expired => f.write_str("token expired"),
            JwtError::NotYetValid => f.write_str("token not yet valid"),
            JwtError::MissingClaim(claim) => write!(f, "token has no {claim} claim"),
        }
    }
}

impl core::error::Error for JwtError {}

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    iss: Option<String>,
    #[serde(default)]
    aud: Option<Audience>,
    #[serde(default)]
    exp: Option<serde_json::Number>,
    #[serde(default)]
    nbf: Option<serde_json::Number>,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    lang: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains(&self, wanted: &str) -> bool {
        match self {
            Audience::One(aud) => aud == wanted,
            Audience::Many(auds) => auds.iter().any(|aud| aud == wanted),
        }
    }
}

enum Alg {
    Hs256,
    Es256,
}

/// Verifies `token` with `keys` at time `now_unix` (seconds) and returns its claims.
///
/// # Errors
/// A [`JwtError`] naming the first check that failed.
pub fn verify(token: &str, keys: &SsoKeys, now_unix: i64) -> Result<SsoClaims, JwtError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };

    // Header: only the algorithm matters, and it picks the key.
    let header_json = decode(header_b64, Part::Header)?;
    let header: Header =
        serde_json::from_slice(&header_json).map_err(|_| JwtError::BadJson(Part::Header))?;
    let alg = match header.alg.as_deref() {
        None => return Err(JwtError::MissingAlg),
        Some("HS256") => Alg::Hs256,
        Some("ES256") => Alg::Es256,
        Some(other) => return Err(JwtError::UnsupportedAlg(other.chars().take(32).collect())),
    };
    if header.crit.is_some() {
        return Err(JwtError::UnsupportedCritical);
    }

    // Signature over the ASCII bytes of "header.payload".
    let (signing_input, _) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let signing_input = signing_input.as_bytes();
    let signature = decode(signature_b64, Part::Signature)?;
    match alg {
        Alg::Hs256 => verify_hs256(keys, signing_input, &signature)?,
        Alg::Es256 => verify_es256(keys, signing_input, &signature)?,
    }

    // Claims, only once the token is authentic.
    let payload_json = decode(payload_b64, Part::Payload)?;
    let payload: Payload =
        serde_json::from_slice(&payload_json).map_err(|_| JwtError::BadJson(Part::Payload))?;

    if payload.iss.as_deref() != Some(keys.issuer.as_str()) {
        return Err(JwtError::IssuerNotAccepted);
    }
    if !payload.aud.is_some_and(|aud| aud.contains(&keys.audience)) {
        return Err(JwtError::AudienceNotAccepted);
    }
    let exp = payload
        .exp
        .as_ref()
        .and_then(numeric_date)
        .ok_or(JwtError::MissingExpiry)?;
    if exp.saturating_add(LEEWAY_SECS) <= now_unix {
        return Err(JwtError::Expired);
    }
    if let Some(nbf) = payload.nbf.as_ref() {
        let nbf = numeric_date(nbf).ok_or(JwtError::BadJson(Part::Payload))?;
        if nbf > now_unix.saturating_add(LEEWAY_SECS) {
            return Err(JwtError::NotYetValid);
        }
    }

    let sub = payload
        .sub
        .filter(|s| !s.is_empty())
        .ok_or(JwtError::MissingClaim("sub"))?;
    let email = payload
        .email
        .filter(|s| !s.is_empty())
        .ok_or(JwtError::MissingClaim("email"))?;
    Ok(SsoClaims {
        sub,
        email,
        name: payload.name,
        roles: payload.roles.unwrap_or_default(),
        lang: payload.lang,
        exp,
    })
}

fn decode(part_b64: &str, part: Part) -> Result<Vec<u8>, JwtError> {
    Base64UrlUnpadded::decode_vec(part_b64).map_err(|_| JwtError::BadBase64(part))
}

/// A JSON `NumericDate` as whole seconds (fractions are truncated, huge values
/// saturate); `None` if it is not finite.
fn numeric_date(n: &serde_json::Number) -> Option<i64> {
    if let Some(i) = n.as_i64() {
        return Some(i);
    }
    let f = n.as_f64()?;
    #[allow(clippy::cast_possible_truncation)]
    f.is_finite().then_some(f as i64)
}

fn verify_hs256(keys: &SsoKeys, signing_input: &[u8], signature: &[u8]) -> Result<(), JwtError> {
    let secret = keys
        .hs256_secret
        .as_deref()
        .ok_or(JwtError::KeyNotConfigured("HS256"))?;
    if secret.is_empty() {
        return Err(JwtError::InvalidKey("HS256"));
    }
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).map_err(|_| JwtError::InvalidKey("HS256"))?;
    mac.update(signing_input);
    // Constant-time comparison.
    mac.verify_slice(signature)
        .map_err(|_| JwtError::BadSignature)
}

fn verify_es256(keys: &SsoKeys, signing_input: &[u8], signature: &[u8]) -> Result<(), JwtError> {
    let pem = keys
        .es256_public_key_pem
        .as_deref()
        .ok_or(JwtError::KeyNotConfigured("ES256"))?;
    let key =
        VerifyingKey::from_public_key_pem(pem.trim()).map_err(|_| JwtError::InvalidKey("ES256"))?;
    // JOSE form: exactly 64 bytes, r || s (not DER).
    let signature = Signature::from_slice(signature).map_err(|_| JwtError::BadSignature)?;
    key.verify(signing_input, &signature)
        .map_err(|_| JwtError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::{EncodePublicKey, LineEnding};
    use serde_json::json;

    const NOW: i64 = 1_750_000_000;
    const SECRET: &[u8] = b"a shared secret of the marketplace, 32+ bytes long";
    const ISS: &str = "https://marketplace.example";
    const AUD: &str = "help-center";

    fn b64(bytes: &[u8]) -> String {
        Base64UrlUnpadded::encode_string(bytes)
    }

    fn signing_key() -> SigningKey {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i).unwrap() + 1;
        }
        SigningKey::from_slice(&bytes).unwrap()
    }

    fn public_pem() -> String {
        signing_key()
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap()
    }

    fn hs_keys() -> SsoKeys {
        SsoKeys {
            hs256_secret: Some(SECRET.to_vec()),
            es256_public_key_pem: None,
            issuer: ISS.into(),
            audience: AUD.into(),
        }
    }

    fn es_keys() -> SsoKeys {
        SsoKeys {
            hs256_secret: None,
            es256_public_key_pem: Some(public_pem()),
            issuer: ISS.into(),
            audience: AUD.into(),
        }
    }

    fn claims() -> serde_json::Value {
        json!({
            "iss": ISS,
            "aud": AUD,
            "sub": "user-42",
            "email": "ada@example.com",
            "name": "Ada",
            "roles": ["customer", "beta"],
            "lang": "de",
            "iat": NOW - 10,
            "exp": NOW + 300,
        })
    }

    fn unsigned(header: &serde_json::Value, payload: &serde_json::Value) -> String {
        format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(payload.to_string().as_bytes())
        )
    }

    fn hs256_with(secret: &[u8], payload: &serde_json::Value) -> String {
        let input = unsigned(&json!({"alg": "HS256", "typ": "JWT"}), payload);
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(input.as_bytes());
        let sig = mac.finalize().into_bytes();
        format!("{input}.{}", b64(&sig))
    }

    fn hs256(payload: &serde_json::Value) -> String {
        hs256_with(SECRET, payload)
    }

    fn es256(payload: &serde_json::Value) -> String {
        let input = unsigned(&json!({"alg": "ES256", "typ": "JWT"}), payload);
        let sig: Signature = signing_key().sign(input.as_bytes());
        format!("{input}.{}", b64(&sig.to_bytes()))
    }

    fn expected() -> SsoClaims {
        SsoClaims {
            sub: "user-42".into(),
            email: "ada@example.com".into(),
            name: Some("Ada".into()),
            roles: vec!["customer".into(), "beta".into()],
            lang: Some("de".into()),
            exp: NOW + 300,
        }
    }

    #[test]
    fn hs256_good_token() {
        assert_eq!(verify(&hs256(&claims()), &hs_keys(), NOW), Ok(expected()));
    }

    #[test]
    fn es256_good_token() {
        assert_eq!(verify(&es256(&claims()), &es_keys(), NOW), Ok(expected()));
    }

    #[test]
    fn both_keys_configured_accepts_both() {
        let keys = SsoKeys {
            hs256_secret: Some(SECRET.to_vec()),
            ..es_keys()
        };
        assert!(verify(&hs256(&claims()), &keys, NOW).is_ok());
        assert!(verify(&es256(&claims()), &keys, NOW).is_ok());
    }

    #[test]
    fn optional_claims_may_be_absent() {
        let payload = json!({"iss": ISS, "aud": [AUD], "sub": "u", "email": "e@x", "exp": NOW + 1});
        let claims = verify(&hs256(&payload), &hs_keys(), NOW).unwrap();
        assert_eq!(claims.name, None);
        assert_eq!(claims.lang, None);
        assert!(claims.roles.is_empty());
    }

    #[test]
    fn alg_none_is_refused() {
        let token = format!("{}.", unsigned(&json!({"alg": "none"}), &claims()));
        let err = verify(&token, &hs_keys(), NOW).unwrap_err();
        assert_eq!(err, JwtError::UnsupportedAlg("none".into()));
        assert_eq!(err.to_string(), "unsupported alg \"none\"");
        // Even with a signature part present.
        let token = format!("{}.AAAA", unsigned(&json!({"alg": "none"}), &claims()));
        assert!(matches!(
            verify(&token, &es_keys(), NOW),
            Err(JwtError::UnsupportedAlg(_))
        ));
    }

    #[test]
    fn other_algs_and_missing_alg_are_refused() {
        for alg in ["RS256", "HS512", "ES384", "hs256", "EdDSA", ""] {
            let token = format!("{}.AAAA", unsigned(&json!({"alg": alg}), &claims()));
            assert_eq!(
                verify(&token, &hs_keys(), NOW),
                Err(JwtError::UnsupportedAlg(alg.into()))
            );
        }
        let token = format!("{}.AAAA", unsigned(&json!({"typ": "JWT"}), &claims()));
        assert_eq!(verify(&token, &hs_keys(), NOW), Err(JwtError::MissingAlg));
        let token = format!("{}.AAAA", unsigned(&json!({"alg": 256}), &claims()));
        assert_eq!(
            verify(&token, &hs_keys(), NOW),
            Err(JwtError::BadJson(Part::Header))
        );
    }

    #[test]
    fn crit_header_is_refused() {
        let input = unsigned(&json!({"alg": "HS256", "crit": ["exp"]}), &claims());
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
        mac.update(input.as_bytes());
        let token = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
        assert_eq!(
            verify(&token, &hs_keys(), NOW),
            Err(JwtError::UnsupportedCritical)
        );
    }

    #[test]
    fn wrong_key_is_refused() {
        let token = hs256_with(b"another secret entirely, also long", &claims());
        assert_eq!(verify(&token, &hs_keys(), NOW), Err(JwtError::BadSignature));

        let other = SigningKey::from_slice(&[7u8; 32]).unwrap();
        let keys = SsoKeys {
            es256_public_key_pem: Some(
                other
                    .verifying_key()
                    .to_public_key_pem(LineEnding::LF)
                    .unwrap(),
            ),
            ..es_keys()
        };
        assert_eq!(
            verify(&es256(&claims()), &keys, NOW),
            Err(JwtError::BadSignature)
        );
    }

    #[test]
    fn wrong_issuer_is_refused() {
        let mut payload = claims();
        payload["iss"] = json!("https://evil.example");
        let err = verify(&hs256(&payload), &hs_keys(), NOW).unwrap_err();
        assert_eq!(err, JwtError::IssuerNotAccepted);
        assert_eq!(err.to_string(), "issuer not accepted");
        payload.as_object_mut().unwrap().remove("iss");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::IssuerNotAccepted)
        );
    }

    #[test]
    fn wrong_audience_is_refused() {
        let mut payload = claims();
        payload["aud"] = json!("someone-else");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::AudienceNotAccepted)
        );
        payload["aud"] = json!(["someone-else", "another"]);
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::AudienceNotAccepted)
        );
        payload["aud"] = json!(["someone-else", AUD]);
        assert!(verify(&hs256(&payload), &hs_keys(), NOW).is_ok());
        payload.as_object_mut().unwrap().remove("aud");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::AudienceNotAccepted)
        );
    }

    #[test]
    fn expired_is_refused_after_leeway() {
        let mut payload = claims();
        payload["exp"] = json!(NOW - 61);
        let err = verify(&hs256(&payload), &hs_keys(), NOW).unwrap_err();
        assert_eq!(err, JwtError::Expired);
        assert_eq!(err.to_string(), "token expired");
        payload["exp"] = json!(NOW - 60);
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::Expired)
        );
        payload["exp"] = json!(NOW - 59);
        assert!(verify(&hs256(&payload), &hs_keys(), NOW).is_ok());
    }

    #[test]
    fn missing_or_bad_exp_is_refused() {
        let mut payload = claims();
        payload.as_object_mut().unwrap().remove("exp");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::MissingExpiry)
        );
        payload["exp"] = json!("tomorrow");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::BadJson(Part::Payload))
        );
        payload["exp"] = json!(null);
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::MissingExpiry)
        );
        payload["exp"] = json!((NOW + 100) as f64 + 0.5);
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW).unwrap().exp,
            NOW + 100
        );
        payload["exp"] = json!(u64::MAX);
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW).unwrap().exp,
            i64::MAX
        );
        payload["exp"] = json!(i64::MIN);
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::Expired)
        );
    }

    #[test]
    fn not_yet_valid_is_refused() {
        let mut payload = claims();
        payload["nbf"] = json!(NOW + 61);
        let err = verify(&hs256(&payload), &hs_keys(), NOW).unwrap_err();
        assert_eq!(err, JwtError::NotYetValid);
        assert_eq!(err.to_string(), "token not yet valid");
        payload["nbf"] = json!(NOW + 60);
        assert!(verify(&hs256(&payload), &hs_keys(), NOW).is_ok());
        payload["nbf"] = json!(NOW - 1000);
        assert!(verify(&hs256(&payload), &hs_keys(), NOW).is_ok());
    }

    #[test]
    fn tampered_payload_is_refused() {
        for (token, keys) in [(hs256(&claims()), hs_keys()), (es256(&claims()), es_keys())] {
            let mut parts: Vec<String> = token.split('.').map(String::from).collect();
            let mut payload = claims();
            payload["roles"] = json!(["admin"]);
            parts[1] = b64(payload.to_string().as_bytes());
            assert_eq!(
                verify(&parts.join("."), &keys, NOW),
                Err(JwtError::BadSignature)
            );
        }
    }

    #[test]
    fn tampered_signature_is_refused() {
        let token = es256(&claims());
        let (input, sig) = token.rsplit_once('.').unwrap();
        let mut sig = Base64UrlUnpadded::decode_vec(sig).unwrap();
        sig[10] ^= 1;
        let token = format!("{input}.{}", b64(&sig));
        assert_eq!(verify(&token, &es_keys(), NOW), Err(JwtError::BadSignature));
        // Truncated / DER-length signatures.
        let token = format!("{input}.{}", b64(&sig[..63]));
        assert_eq!(verify(&token, &es_keys(), NOW), Err(JwtError::BadSignature));
        let token = format!("{input}.{}", b64(&[0u8; 64]));
        assert_eq!(verify(&token, &es_keys(), NOW), Err(JwtError::BadSignature));
        let token = format!("{input}.");
        assert_eq!(verify(&token, &es_keys(), NOW), Err(JwtError::BadSignature));
    }

    #[test]
    fn garbage_is_refused() {
        let keys = SsoKeys {
            hs256_secret: Some(SECRET.to_vec()),
            ..es_keys()
        };
        for garbage in [
            "",
            ".",
            "..",
            "...",
            "abc",
            "a.b",
            "a.b.c.d",
            "!!!.###.$$$",
            "eyJhbGciOiJIUzI1NiJ9",
            "eyJhbGciOiJIUzI1NiJ9..",
            "e30.e30.e30",
            "bnVsbA.bnVsbA.AAAA",
            "\u{0}\u{1}.\u{2}.\u{3}",
            "ünï.cödé.✓",
        ] {
            assert!(verify(garbage, &keys, NOW).is_err(), "{garbage:?}");
        }
        assert_eq!(verify("a.b", &keys, NOW), Err(JwtError::Malformed));
        assert_eq!(verify("a.b.c.d", &keys, NOW), Err(JwtError::Malformed));
        assert_eq!(
            verify("!!!.e30.e30", &keys, NOW),
            Err(JwtError::BadBase64(Part::Header))
        );
        // Padded base64 is not base64url without padding.
        assert_eq!(
            verify("e30=.e30.e30", &keys, NOW),
            Err(JwtError::BadBase64(Part::Header))
        );
        assert_eq!(
            verify("bm90IGpzb24.e30.e30", &keys, NOW),
            Err(JwtError::BadJson(Part::Header))
        );
        let huge = "a".repeat(MAX_TOKEN_LEN + 1);
        assert_eq!(verify(&huge, &keys, NOW), Err(JwtError::Malformed));
    }

    #[test]
    fn bad_payload_json_with_valid_signature() {
        let input = format!("{}.{}", b64(br#"{"alg":"HS256"}"#), b64(b"not json"));
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
        mac.update(input.as_bytes());
        let token = format!("{input}.{}", b64(&mac.finalize().into_bytes()));
        assert_eq!(
            verify(&token, &hs_keys(), NOW),
            Err(JwtError::BadJson(Part::Payload))
        );

        let mut payload = claims();
        payload["roles"] = json!("admin");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::BadJson(Part::Payload))
        );
    }

    #[test]
    fn missing_email_or_sub_is_refused() {
        let mut payload = claims();
        payload.as_object_mut().unwrap().remove("email");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::MissingClaim("email"))
        );
        payload["email"] = json!("");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::MissingClaim("email"))
        );
        let mut payload = claims();
        payload.as_object_mut().unwrap().remove("sub");
        assert_eq!(
            verify(&hs256(&payload), &hs_keys(), NOW),
            Err(JwtError::MissingClaim("sub"))
        );
    }

    #[test]
    fn hs256_token_with_only_es256_key_is_refused() {
        // Classic alg confusion: HMAC keyed with the public key's PEM text.
        let pem = public_pem();
        let token = hs256_with(pem.as_bytes(), &claims());
        let err = verify(&token, &es_keys(), NOW).unwrap_err();
        assert_eq!(err, JwtError::KeyNotConfigured("HS256"));
        // And an ES256 token when only the HS256 secret is configured.
        assert_eq!(
            verify(&es256(&claims()), &hs_keys(), NOW),
            Err(JwtError::KeyNotConfigured("ES256"))
        );
    }

    #[test]
    fn unusable_keys_are_reported_without_echoing_them() {
        let keys = SsoKeys {
            es256_public_key_pem: Some("-----BEGIN PUBLIC KEY-----\nnope\n".into()),
            ..es_keys()
        };
        let err = verify(&es256(&claims()), &keys, NOW).unwrap_err();
        assert_eq!(err, JwtError::InvalidKey("ES256"));
        assert!(!err.to_string().contains("nope"));

        let keys = SsoKeys {
            hs256_secret: Some(Vec::new()),
            ..hs_keys()
        };
        let token = hs256_with(b"", &claims());
        assert_eq!(
            verify(&token, &keys, NOW),
            Err(JwtError::InvalidKey("HS256"))
        );

        let debug = format!("{:?}", hs_keys());
        assert!(!debug.contains("shared secret"), "{debug}");
    }

    #[test]
    fn error_messages_do_not_echo_secrets() {
        let token = hs256_with(b"another secret entirely, also long", &claims());
        let msg = verify(&token, &hs_keys(), NOW).unwrap_err().to_string();
        assert_eq!(msg, "bad signature");
        let long_alg = "X".repeat(500);
        let token = format!("{}.AAAA", unsigned(&json!({"alg": long_alg}), &claims()));
        let msg = verify(&token, &hs_keys(), NOW).unwrap_err().to_string();
        assert!(msg.len() < 60, "{msg}");
    }
}
