//! Accounts `auth` checks credentials against, kept in the `sessions` store
//! under `account:<email>`; the demo accounts are seeded on first use.

use crate::password;
use key_value::{KeyValue, StoreError};
use serde::{Deserialize, Serialize};
use sessions::{Role, User};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Account {
    pub user: User,
    /// Argon2id PHC string; `None` for accounts that only sign in through SSO.
    pub password_hash: Option<String>,
}

const SEEDED_MARKER: &str = "seeded:demo-accounts:v1";

/// The demo password of every demo account (demo only; see the README).
pub const DEMO_PASSWORD: &str = "demo";

fn demo_users() -> Vec<User> {
    let user = |id: &str, name: &str, email: &str, roles: Vec<Role>, lang: &str, languages: &[&str]| User {
        id: id.into(),
        name: name.into(),
        email: email.into(),
        roles,
        lang: lang.into(),
        languages: languages.iter().map(|l| l.to_string()).collect(),
    };
    vec![
        user("u-anna", "Anna Bianchi", "anna@example.com", vec![Role::Buyer], "it", &[]),
        user("u-marco", "Marco de Vries", "marco@example.com", vec![Role::Buyer], "nl", &[]),
        user("u-studio-rossi", "Studio Rossi", "studio.rossi@example.com", vec![Role::Seller], "it", &[]),
        user("u-agent", "Sam Jansen", "agent@example.com", vec![Role::Agent], "en", &["en", "it", "nl", "de"]),
    ]
}

fn key(email: &str) -> String {
    format!("account:{email}")
}

/// Emails compare case-insensitively and without surrounding spaces.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub fn find(store: &impl KeyValue, email: &str) -> Result<Option<Account>, StoreError> {
    store.get_json(&key(&normalize_email(email)))
}

pub fn save(store: &impl KeyValue, account: &Account) -> Result<(), StoreError> {
    store.set_json(&key(&account.user.email), account)
}

/// Seeds the demo accounts once; their passwords are hashed here, never stored in clear.
pub fn ensure_demo_accounts(store: &impl KeyValue) -> Result<(), StoreError> {
    if store.get(SEEDED_MARKER)?.is_some() {
        return Ok(());
    }
    for user in demo_users() {
        if find(store, &user.email)?.is_some() {
            continue;
        }
        let hash = password::hash_password(DEMO_PASSWORD).map_err(|e| StoreError(format!("cannot hash a password: {e}")))?;
        save(store, &Account { user, password_hash: Some(hash) })?;
    }
    store.set(SEEDED_MARKER, b"1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use key_value::MemoryStore;

    #[test]
    fn demo_accounts_are_seeded_once_with_hashed_passwords() {
        let store = MemoryStore::default();
        ensure_demo_accounts(&store).unwrap();
        let anna = find(&store, " Anna@Example.com ").unwrap().unwrap();
        assert_eq!(anna.user.id, "u-anna");
        let hash = anna.password_hash.unwrap();
        assert!(hash.starts_with("$argon2id$") && !hash.contains(DEMO_PASSWORD));
        assert!(password::verify_password(&hash, DEMO_PASSWORD));
        let before = store.keys();
        ensure_demo_accounts(&store).unwrap();
        assert_eq!(store.keys(), before);
        assert_eq!(find(&store, "agent@example.com").unwrap().unwrap().user.languages, ["en", "it", "nl", "de"]);
    }
}
