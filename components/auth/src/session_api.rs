//! `/api/session`: sign in with a password or a single-sign-on token, who am
//! I, sign out. Plain functions over a key-value store and the current time.

use crate::accounts::{self, Account};
use crate::jwt::{self, SsoKeys};
use crate::throttle::{FailureWindow, ThrottlePolicy};
use crate::{password, token};
use api_conventions::{ApiResponse, ApiResult, Problem, SESSION_COOKIE};
use key_value::KeyValue;
use serde::Deserialize;
use serde_json::json;
use sessions::{Role, Session, User};
use sha2::{Digest, Sha256};

/// How long a session lasts.
pub const SESSION_SECS: i64 = 12 * 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordSignIn {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoSignIn {
    /// The JWT the marketplace issued.
    pub token: String,
}

/// Who is asking, for throttling and cookies.
pub struct Client<'a> {
    pub ip: &'a str,
    pub https: bool,
}

fn user_json(user: &User) -> serde_json::Value {
    json!({ "id": user.id, "name": user.name, "email": user.email, "roles": user.roles, "lang": user.lang })
}

fn cookie(value: &str, max_age: i64, https: bool) -> String {
    let secure = if https { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}")
}

fn wrong_credentials() -> Problem {
    Problem::unauthorized("The email or the password is wrong.")
}

fn hashed(text: &str) -> String {
    base16ct::lower::encode_string(&Sha256::digest(text.as_bytes()))
}

fn throttle_keys(email: &str, client: &Client) -> [(String, ThrottlePolicy); 2] {
    [
        (format!("throttle:account:{}", hashed(email)), ThrottlePolicy::PER_ACCOUNT),
        (format!("throttle:client:{}", client.ip), ThrottlePolicy::PER_CLIENT),
    ]
}

/// Opens a session for `user` and answers `201` with the token and the cookie.
fn open_session(store: &impl KeyValue, user: User, client: &Client, now: i64) -> ApiResult {
    let token = token::new_session_token().map_err(|e| Problem::unavailable(format!("No randomness available: {e}")))?;
    let session = Session { user, created_at: now, expires_at: now + SESSION_SECS };
    sessions::writer::write(store, &token, &session)?;
    Ok(ApiResponse::json(201, &json!({ "token": token, "expires_at": session.expires_at, "user": user_json(&session.user) }))
        .with_header("set-cookie", cookie(&token, SESSION_SECS, client.https))
        .with_header("cache-control", "no-store"))
}

pub fn sign_in(store: &impl KeyValue, body: &[u8], client: &Client, now: i64) -> ApiResult {
    let request: PasswordSignIn = api_conventions::parse_json(body)?;
    let email = accounts::normalize_email(&request.email);
    if email.is_empty() {
        return Err(Problem::invalid_field("email", "Give the email address of your account."));
    }
    let throttles = throttle_keys(&email, client);
    for (key, policy) in &throttles {
        let window: FailureWindow = store.get_json(key)?.unwrap_or_default();
        if let Err(retry_after) = policy.check(&window, now) {
            return Err(Problem::too_many_requests(
                retry_after,
                "Too many failed sign-ins. Wait a little, or reset your password.",
            ));
        }
    }
    accounts::ensure_demo_accounts(store)?;
    let account = accounts::find(store, &email)?;
    let verified = match account.as_ref().and_then(|a| a.password_hash.as_deref()) {
        Some(hash) => password::verify_password(hash, &request.password),
        None => {
            // Same cost as a wrong password, so unknown emails cannot be told apart.
            password::burn_verification_time(&request.password);
            false
        }
    };
    let Some(account) = account.filter(|_| verified) else {
        for (key, policy) in &throttles {
            let window: FailureWindow = store.get_json(key)?.unwrap_or_default();
            store.set_json(key, &policy.record_failure(window, now))?;
        }
        return Err(wrong_credentials());
    };
    store.delete(&throttles[0].0)?;
    open_session(store, account.user, client, now)
}

/// Exchanges the marketplace's signed JWT for a session.
pub fn sign_in_with_sso(store: &impl KeyValue, body: &[u8], keys: &SsoKeys, client: &Client, now: i64) -> ApiResult {
    let request: SsoSignIn = api_conventions::parse_json(body)?;
    if keys.hs256_secret.is_none() && keys.es256_public_key_pem.is_none() {
        return Err(Problem::unauthorized("Single sign-on is not configured on this deployment."));
    }
    let claims = jwt::verify(&request.token, keys, now)
        .map_err(|e| Problem::unauthorized(format!("The sign-on token was refused: {e}.")))?;
    accounts::ensure_demo_accounts(store)?;
    let user = match accounts::find(store, &claims.email)? {
        Some(account) => account.user,
        None => {
            // The marketplace vouches for buyers and sellers; agents are never created by SSO.
            let mut roles: Vec<Role> = claims
                .roles
                .iter()
                .filter_map(|r| match r.as_str() {
                    "buyer" => Some(Role::Buyer),
                    "seller" => Some(Role::Seller),
                    _ => None,
                })
                .collect();
            if roles.is_empty() {
                roles.push(Role::Buyer);
            }
            let user = User {
                id: format!("u-sso-{}", &hashed(&format!("{}|{}", keys.issuer, claims.sub))[..16]),
                name: claims.name.clone().unwrap_or_else(|| claims.email.clone()),
                email: accounts::normalize_email(&claims.email),
                roles,
                lang: claims.lang.clone().unwrap_or_else(|| "en".into()),
                languages: Vec::new(),
            };
            accounts::save(store, &Account { user: user.clone(), password_hash: None })?;
            user
        }
    };
    open_session(store, user, client, now)
}

pub fn whoami(store: &impl KeyValue, token: Option<&str>, now: i64) -> ApiResult {
    let user = sessions::resolve(store, token, now)?;
    Ok(ApiResponse::json(200, &json!({ "user": user_json(&user) })).with_header("cache-control", "no-store"))
}

pub fn sign_out(store: &impl KeyValue, token: Option<&str>, client: &Client, now: i64) -> ApiResult {
    sessions::resolve(store, token, now)?;
    if let Some(token) = token {
        sessions::writer::revoke(store, token)?;
    }
    Ok(ApiResponse::no_content().with_header("set-cookie", cookie("", 0, client.https)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use key_value::MemoryStore;

    const CLIENT: Client = Client { ip: "127.0.0.1", https: false };

    fn sign_in_as(store: &MemoryStore, email: &str, password: &str, now: i64) -> ApiResult {
        sign_in(store, json!({"email": email, "password": password}).to_string().as_bytes(), &CLIENT, now)
    }

    #[test]
    fn sign_in_whoami_sign_out() {
        let store = MemoryStore::default();
        let response = sign_in_as(&store, "anna@example.com", "demo", 1000).unwrap();
        assert_eq!(response.status, 201);
        let body = response.json_body();
        let token = body["token"].as_str().unwrap().to_string();
        assert_eq!(body["user"]["id"], "u-anna");
        let cookie = response.headers.iter().find(|(n, _)| n == "set-cookie").unwrap();
        assert!(cookie.1.contains("HttpOnly") && cookie.1.contains("SameSite=Lax") && cookie.1.contains("Path=/"));

        assert_eq!(whoami(&store, Some(&token), 1001).unwrap().json_body()["user"]["lang"], "it");
        assert_eq!(sign_out(&store, Some(&token), &CLIENT, 1002).unwrap().status, 204);
        assert_eq!(whoami(&store, Some(&token), 1003).unwrap_err().status, 401);
        assert_eq!(whoami(&store, Some(&token), 1003).unwrap_err().status, 401);
    }

    #[test]
    fn sessions_expire() {
        let store = MemoryStore::default();
        let token = sign_in_as(&store, "anna@example.com", "demo", 0).unwrap().json_body()["token"].as_str().unwrap().to_string();
        assert_eq!(whoami(&store, Some(&token), SESSION_SECS - 1).unwrap().status, 200);
        assert_eq!(whoami(&store, Some(&token), SESSION_SECS).unwrap_err().status, 401);
    }

    #[test]
    fn wrong_password_and_unknown_email_look_the_same() {
        let store = MemoryStore::default();
        let wrong = sign_in_as(&store, "anna@example.com", "nope", 0).unwrap_err();
        let unknown = sign_in_as(&store, "nobody@example.com", "demo", 0).unwrap_err();
        assert_eq!(wrong, unknown);
        assert_eq!(wrong.status, 401);
    }

    #[test]
    fn repeated_failures_are_throttled_then_released() {
        let store = MemoryStore::default();
        for _ in 0..5 {
            assert_eq!(sign_in_as(&store, "anna@example.com", "nope", 0).unwrap_err().status, 401);
        }
        let throttled = sign_in_as(&store, "anna@example.com", "demo", 1).unwrap_err();
        assert_eq!(throttled.status, 429);
        assert!(throttled.headers.iter().any(|(n, v)| n == "retry-after" && v.parse::<u64>().unwrap() > 0));
        // Other accounts from elsewhere are unaffected; this one recovers after the lockout.
        assert_eq!(sign_in_as(&store, "marco@example.com", "demo", 1).unwrap().status, 201);
        assert_eq!(sign_in_as(&store, "anna@example.com", "demo", 16 * 60).unwrap().status, 201);
    }

    #[test]
    fn missing_fields_are_named() {
        let store = MemoryStore::default();
        let p = sign_in(&store, br#"{"email":"anna@example.com"}"#, &CLIENT, 0).unwrap_err();
        assert_eq!((p.status, p.extensions["field"].as_str()), (400, Some("password")));
    }
}
