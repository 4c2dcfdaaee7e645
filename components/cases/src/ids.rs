//! Case ids: readable by people, carrying the region, unguessable.
//!
//! `EU-7K3M-Q9TX-2HDP-4RVA`: the region's prefix, then 16 characters of
//! Crockford's base32 (no I, L, O or U, so nothing reads as another
//! character over the phone), 80 random bits from the OS.

/// Crockford's base32 alphabet.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_CHARS: usize = 16;

/// The id prefix of a region: its first dash-separated part, upper-cased
/// (`eu-west` -> `EU`, `us-east-1` -> `US`); `XX` for a region name that has
/// no such part (letters and digits, at most four).
pub fn region_prefix(region: &str) -> String {
    let first = region.trim().split('-').next().unwrap_or("");
    if (1..=4).contains(&first.len()) && first.bytes().all(|b| b.is_ascii_alphanumeric()) {
        first.to_ascii_uppercase()
    } else {
        "XX".to_string()
    }
}

/// A fresh case id for `prefix`.
///
/// # Errors
/// If the OS random number generator fails.
pub fn new_case_id(prefix: &str) -> Result<String, String> {
    let mut bytes = [0u8; RANDOM_CHARS];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("the OS random number generator failed: {e}"))?;
    let mut id = prefix.to_string();
    for (i, byte) in bytes.iter().enumerate() {
        if i % 4 == 0 {
            id.push('-');
        }
        // 256 is a multiple of 32, so every character is equally likely.
        id.push(char::from(ALPHABET[usize::from(byte % 32)]));
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_prefix_names_the_region() {
        assert_eq!(region_prefix("eu-west"), "EU");
        assert_eq!(region_prefix("us-east-1"), "US");
        assert_eq!(region_prefix("apac"), "APAC");
        assert_eq!(region_prefix(""), "XX");
        assert_eq!(region_prefix("europe-west"), "XX");
    }

    #[test]
    fn ids_are_readable_plausible_and_unique() {
        let id = new_case_id("EU").unwrap();
        assert_eq!(id.len(), "EU-7K3M-Q9TX-2HDP-4RVA".len(), "{id}");
        assert!(
            id.starts_with("EU-") && case_records::is_plausible_id(&id),
            "{id}"
        );
        assert!(!id[3..].contains(['I', 'L', 'O', 'U']), "{id}");
        let ids: HashSet<String> = (0..1000).map(|_| new_case_id("EU").unwrap()).collect();
        assert_eq!(ids.len(), 1000);
    }
}
