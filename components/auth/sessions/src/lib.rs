//! Sessions: what `auth` records when someone signs in, and how every other
//! component finds out who is calling.
//!
//! Records live in the `sessions` store under a SHA-256 of the token, never
//! the token itself. Only `auth` writes them (the `writer` feature); other
//! components call [`resolve`], which turns a missing, malformed, unknown,
//! expired or revoked token into the same `401`.

use api_conventions::Problem;
use key_value::KeyValue;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The store `auth` writes and everyone else reads.
pub const STORE: &str = "sessions";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Buyer,
    Seller,
    Agent,
}

/// A signed-in user, as every component sees the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    /// The user's preferred language (one of the nine supported codes).
    pub lang: String,
    /// Languages an agent can support; empty for others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
}

impl User {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// The record stored per session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub user: User,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Tokens are 256 bits in unpadded base64url: 43 characters.
pub const TOKEN_LEN: usize = 43;

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The key of a token's session: its SHA-256, so a leaked store leaks no tokens.
fn session_key(token: &str) -> String {
    format!("session:{}", base16ct::lower::encode_string(&Sha256::digest(token.as_bytes())))
}

fn unauthorized() -> Problem {
    Problem::unauthorized("Sign in first: the session is missing, expired or signed out.")
}

/// Who is calling, from the token in the request (see
/// [`api_conventions::session_token`]); `401` for anything but a live session.
pub fn resolve(store: &impl KeyValue, token: Option<&str>, now: i64) -> Result<User, Problem> {
    let token = token.filter(|t| well_formed(t)).ok_or_else(unauthorized)?;
    let session: Session = store
        .get_json(&session_key(token))?
        .ok_or_else(unauthorized)?;
    if session.expires_at <= now {
        return Err(unauthorized());
    }
    Ok(session.user)
}

/// Who is calling a Spin request: its bearer token or session cookie resolved
/// in the `sessions` store; `401` for anything but a live session.
pub fn caller(req: &api_conventions::ApiRequest, now: i64) -> Result<User, Problem> {
    let token = api_conventions::session_token(
        api_conventions::header(req, "authorization"),
        api_conventions::header(req, "cookie"),
    );
    resolve(&key_value::open(STORE)?, token, now)
}

/// Writing sessions: `auth` only.
#[cfg(feature = "writer")]
pub mod writer {
    use super::*;
    use key_value::StoreError;

    /// Most sessions one account holds at once; signing in again past this
    /// ends the oldest.
    pub const MAX_SESSIONS_PER_USER: usize = 1000;

    /// A session as its user's list holds it.
    #[derive(Debug, Serialize, Deserialize)]
    struct Held {
        key: String,
        expires_at: i64,
    }

    /// The sessions of a user, so that signing in sweeps the expired ones:
    /// Spin's key-value stores expire nothing by themselves, and a session
    /// nobody signs out of would otherwise stay in the store for good.
    fn held_key(user_id: &str) -> String {
        format!("sessions-of:{user_id}")
    }

    /// Stores a new session, and deletes the user's sessions that have
    /// expired by its start (and the oldest, past [`MAX_SESSIONS_PER_USER`]).
    /// Two sign-ins of one user at the same moment may each miss the other's
    /// session in the list; such a session is then never swept, which costs
    /// a few hundred bytes and nothing else.
    pub fn write(store: &impl KeyValue, token: &str, session: &Session) -> Result<(), StoreError> {
        write_keeping(store, token, session, MAX_SESSIONS_PER_USER)
    }

    /// As [`write`], keeping at most `most` sessions of the user.
    pub(crate) fn write_keeping(store: &impl KeyValue, token: &str, session: &Session, most: usize) -> Result<(), StoreError> {
        let key = session_key(token);
        store.set_json(&key, session)?;
        let list = held_key(&session.user.id);
        let mut held: Vec<Held> = store.get_json(&list)?.unwrap_or_default();
        held.push(Held { key, expires_at: session.expires_at });
        let ended = held.len().saturating_sub(most);
        let mut kept = Vec::with_capacity(held.len());
        for (n, h) in held.into_iter().enumerate() {
            if n < ended || h.expires_at <= session.created_at {
                store.delete(&h.key)?;
            } else {
                kept.push(h);
            }
        }
        store.set_json(&list, &kept)
    }

    /// Revokes a session; `false` when there was none to revoke.
    pub fn revoke(store: &impl KeyValue, token: &str) -> Result<bool, StoreError> {
        if !well_formed(token) {
            return Ok(false);
        }
        let key = session_key(token);
        let existed = store.get(&key)?.is_some();
        store.delete(&key)?;
        Ok(existed)
    }
}

#[cfg(all(test, feature = "writer"))]
mod tests {
    use super::*;
    use key_value::MemoryStore;

    const TOKEN: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

    fn anna() -> User {
        User {
            id: "u-anna".into(),
            name: "Anna".into(),
            email: "anna@example.com".into(),
            roles: vec![Role::Buyer],
            lang: "it".into(),
            languages: vec![],
        }
    }

    fn store_with_session(expires_at: i64) -> MemoryStore {
        let store = MemoryStore::default();
        writer::write(
            &store,
            TOKEN,
            &Session {
                user: anna(),
                created_at: 0,
                expires_at,
            },
        )
        .unwrap();
        store
    }

    fn session_at(created_at: i64, expires_at: i64) -> Session {
        Session { user: anna(), created_at, expires_at }
    }

    fn token(n: usize) -> String {
        format!("{n:0>43}")
    }

    #[test]
    fn signing_in_again_sweeps_the_users_expired_sessions() {
        let store = MemoryStore::default();
        writer::write(&store, &token(1), &session_at(0, 100)).unwrap();
        writer::write(&store, &token(2), &session_at(50, 150)).unwrap();
        writer::write(&store, &token(3), &session_at(120, 220)).unwrap();
        let sessions = |store: &MemoryStore| store.keys().iter().filter(|k| k.starts_with("session:")).count();
        assert_eq!(sessions(&store), 2, "the first one had expired");
        assert_eq!(resolve(&store, Some(&token(2)), 121).unwrap(), anna());
        assert_eq!(resolve(&store, Some(&token(3)), 121).unwrap(), anna());
    }

    #[test]
    fn past_the_most_sessions_of_one_account_the_oldest_ends() {
        let store = MemoryStore::default();
        for n in 0..4 {
            writer::write_keeping(&store, &token(n), &session_at(n as i64, 1_000), 3).unwrap();
        }
        assert_eq!(resolve(&store, Some(&token(0)), 10).unwrap_err().status, 401);
        for n in 1..4 {
            assert_eq!(resolve(&store, Some(&token(n)), 10).unwrap(), anna());
        }
    }

    #[test]
    fn a_live_session_resolves_to_its_user() {
        assert_eq!(
            resolve(&store_with_session(100), Some(TOKEN), 50).unwrap(),
            anna()
        );
    }

    #[test]
    fn the_store_never_holds_the_raw_token() {
        let store = store_with_session(100);
        assert!(store.keys().iter().all(|k| !k.contains(TOKEN)));
    }

    #[test]
    fn expired_unknown_malformed_and_missing_tokens_are_401() {
        let store = store_with_session(100);
        assert_eq!(resolve(&store, Some(TOKEN), 100).unwrap_err().status, 401);
        let other = TOKEN.replace('a', "b");
        assert_eq!(resolve(&store, Some(&other), 50).unwrap_err().status, 401);
        assert_eq!(resolve(&store, Some("short"), 50).unwrap_err().status, 401);
        assert_eq!(
            resolve(&store, Some(&format!("{}!", &TOKEN[1..])), 50)
                .unwrap_err()
                .status,
            401
        );
        assert_eq!(resolve(&store, None, 50).unwrap_err().status, 401);
    }

    #[test]
    fn a_revoked_session_is_401() {
        let store = store_with_session(100);
        assert!(writer::revoke(&store, TOKEN).unwrap());
        assert!(!writer::revoke(&store, TOKEN).unwrap());
        assert_eq!(resolve(&store, Some(TOKEN), 50).unwrap_err().status, 401);
    }
}
