//! Salted slow password hashes: Argon2id in PHC string format with the
//! `argon2` crate's default (OWASP) parameters: m=19456 KiB, t=2, p=1.

use anyhow::anyhow;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, Params};

/// Upper bounds on the cost parameters accepted from a stored hash, so that a
/// corrupted or planted hash cannot make one verification allocate gigabytes
/// or run for minutes. Generous compared with the defaults used for hashing.
const MAX_M_COST_KIB: u32 = 256 * 1024;
const MAX_T_COST: u32 = 16;
const MAX_P_COST: u32 = 8;

/// A real Argon2id hash (default parameters) of a random password nobody
/// knows; used to spend the time of one verification when there is no user.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$agC61uBZdUStMf4bfnvrZg$xdPl8DeUyxg5oB4/EiurDQ00Ftz6Affm70C3jdpXtL0";

/// Hashes `password` with Argon2id (default parameters) and a random 16-byte
/// salt from the OS random number generator; returns the PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
///
/// # Errors
/// If the OS random number generator fails or hashing fails.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let hash: PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow!("hashing the password failed: {e}"))?;
    Ok(hash.to_string())
}

/// `true` if `password` matches the PHC string `phc`. Returns `false` for a
/// wrong password and for a malformed, non-Argon2 or absurdly expensive hash.
#[must_use]
pub fn verify_password(phc: &str, password: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    if params.m_cost() > MAX_M_COST_KIB
        || params.t_cost() > MAX_T_COST
        || params.p_cost() > MAX_P_COST
    {
        return false;
    }
    Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok()
}

/// Spends the time of one password verification (against a fixed dummy hash
/// with the default parameters) so that a sign-in for an unknown email takes
/// as long as one with a wrong password.
pub fn burn_verification_time(password: &str) {
    let _ = core::hint::black_box(verify_password(DUMMY_HASH, password));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_phc_with_default_params() {
        let phc = hash_password("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    #[test]
    fn verify_accepts_right_and_rejects_wrong_password() {
        let phc = hash_password("correct horse battery staple").unwrap();
        assert!(verify_password(&phc, "correct horse battery staple"));
        assert!(!verify_password(&phc, "correct horse battery stapler"));
        assert!(!verify_password(&phc, ""));
    }

    #[test]
    fn salts_differ() {
        let a = hash_password("same").unwrap();
        let b = hash_password("same").unwrap();
        assert_ne!(a, b);
        assert!(verify_password(&a, "same") && verify_password(&b, "same"));
    }

    #[test]
    fn empty_and_unicode_passwords() {
        let phc = hash_password("").unwrap();
        assert!(verify_password(&phc, ""));
        let phc = hash_password("pässwörd ✓").unwrap();
        assert!(verify_password(&phc, "pässwörd ✓"));
        assert!(!verify_password(&phc, "passwort ✓"));
    }

    #[test]
    fn malformed_hashes_are_false() {
        for bad in [
            "",
            "not a hash",
            "$argon2id$",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "$argon2id$v=19$m=19456,t=2,p=1$agC61uBZdUStMf4bfnvrZg",
            "$argon2id$v=19$m=19456,t=2,p=1$!!!$???",
            "$argon2id$v=99$m=19456,t=2,p=1$agC61uBZdUStMf4bfnvrZg$xdPl8DeUyxg5oB4/EiurDQ00Ftz6Affm70C3jdpXtL0",
            "$argon2id$v=19$m=0,t=0,p=0$agC61uBZdUStMf4bfnvrZg$xdPl8DeUyxg5oB4/EiurDQ00Ftz6Affm70C3jdpXtL0",
            "$bcrypt$v=19$m=19456,t=2,p=1$agC61uBZdUStMf4bfnvrZg$xdPl8DeUyxg5oB4/EiurDQ00Ftz6Affm70C3jdpXtL0",
            "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        ] {
            assert!(!verify_password(bad, "x"), "{bad}");
        }
    }

    #[test]
    fn absurd_costs_are_refused_without_running() {
        let huge_m = "$argon2id$v=19$m=4294967295,t=2,p=1$agC61uBZdUStMf4bfnvrZg$xdPl8DeUyxg5oB4/EiurDQ00Ftz6Affm70C3jdpXtL0";
        let huge_t = "$argon2id$v=19$m=19456,t=4294967295,p=1$agC61uBZdUStMf4bfnvrZg$xdPl8DeUyxg5oB4/EiurDQ00Ftz6Affm70C3jdpXtL0";
        assert!(!verify_password(huge_m, "x"));
        assert!(!verify_password(huge_t, "x"));
    }

    #[test]
    fn dummy_hash_uses_the_default_params() {
        let hash = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(hash.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&hash).unwrap();
        let default = Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (19456, 2, 1)
        );
        // Same shape as what hash_password produces.
        let fresh = hash_password("x").unwrap();
        assert_eq!(fresh.len(), DUMMY_HASH.len());
    }

    #[test]
    fn burn_verification_time_runs() {
        burn_verification_time("anything");
        burn_verification_time("");
    }
}
