//! The login check end to end: the real `auth.wasm` from spin.toml, served by
//! the project's host, signing in by password and by single sign-on.

use base64ct::{Base64UrlUnpadded, Encoding};
use end_to_end::*;
use hmac::{Hmac, KeyInit, Mac};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{Value, json};
use sha2::Sha256;

const ISSUER: &str = "https://marketplace.example";
const AUDIENCE: &str = "help-center";
const SECRET: &str = "the marketplace's shared secret, long enough";

fn es256_key() -> SigningKey {
    SigningKey::from_slice(&[42u8; 32]).unwrap()
}

async fn start_app(name: &str) -> Running {
    let state = temp_dir(name);
    let mut options = app_options(&state);
    options.clock = spin_host::Clock::fixed("2026-11-23T10:00:00Z".parse().unwrap());
    for (name, value) in [
        ("sso_issuer", ISSUER.to_string()),
        ("sso_audience", AUDIENCE.to_string()),
        ("sso_hs256_secret", SECRET.to_string()),
        ("sso_es256_public_key", es256_key().verifying_key().to_public_key_pem(LineEnding::LF).unwrap()),
    ] {
        options.variables.insert(name.into(), value);
    }
    Running::start(options).await.unwrap()
}

fn now(app: &Running) -> i64 {
    app.clock().now_since_epoch().as_secs() as i64
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn unsigned(alg: &str, claims: &Value) -> String {
    format!("{}.{}", b64(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes()), b64(claims.to_string().as_bytes()))
}

fn hs256(secret: &str, claims: &Value) -> String {
    let input = unsigned("HS256", claims);
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

fn es256(key: &SigningKey, claims: &Value) -> String {
    let input = unsigned("ES256", claims);
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&signature.to_bytes()))
}

fn claims(app: &Running, email: &str) -> Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "mk-1001", "email": email, "name": "Lena Vogel",
           "roles": ["buyer", "agent"], "lang": "de", "iat": now(app), "exp": now(app) + 300})
}

async fn post(app: &Running, path: &str, body: Value) -> Reply {
    Reply::from(app.client.post(app.url(path)).json(&body).send().await).await
}

async fn whoami(app: &Running, token: &str) -> Reply {
    Reply::from(app.client.get(app.url("/api/session")).bearer_auth(token).send().await).await
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_whoami_and_sign_out() {
    let app = start_app("auth-walk").await;
    let signed_in = post(&app, "/api/session", json!({"email": "anna@example.com", "password": "demo"})).await;
    assert_eq!(signed_in.status, 201, "{}", signed_in.text);
    let body = signed_in.json();
    assert_eq!(body["user"], json!({"id": "u-anna", "name": "Anna Bianchi", "email": "anna@example.com", "roles": ["buyer"], "lang": "it"}));
    let token = body["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43, "256 random bits, base64url");
    let cookie = signed_in.header("set-cookie").unwrap();
    for attribute in ["hc_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }

    assert_eq!(whoami(&app, &token).await.json()["user"]["id"], "u-anna");
    let by_cookie = Reply::from(app.client.get(app.url("/api/session")).header("cookie", format!("hc_session={token}")).send().await).await;
    assert_eq!(by_cookie.json()["user"]["id"], "u-anna");

    let signed_out = Reply::from(app.client.delete(app.url("/api/session")).bearer_auth(&token).send().await).await;
    assert_eq!(signed_out.status, 204);
    assert!(signed_out.header("set-cookie").unwrap().contains("Max-Age=0"));
    whoami(&app, &token).await.assert_problem(401);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_store_keeps_hashes_never_passwords_or_tokens() {
    let state = temp_dir("auth-at-rest");
    let app = Running::start(app_options(&state)).await.unwrap();
    let token = post(&app, "/api/session", json!({"email": "marco@example.com", "password": "demo"})).await.json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.shutdown().await;
    let db = std::fs::read(state.join("sessions.db")).unwrap();
    let wal = std::fs::read(state.join("sessions.db-wal")).unwrap_or_default();
    let contains = |needle: &[u8]| db.windows(needle.len()).chain(wal.windows(needle.len())).any(|w| w == needle);
    assert!(!contains(token.as_bytes()), "the raw token is stored");
    assert!(contains(b"$argon2id$"), "passwords are stored as argon2id hashes");
    assert!(!contains(b"\"password_hash\":\"demo\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = start_app("auth-wrong").await;
    let wrong = post(&app, "/api/session", json!({"email": "anna@example.com", "password": "nope"})).await;
    let unknown = post(&app, "/api/session", json!({"email": "nobody@example.com", "password": "demo"})).await;
    assert_eq!(wrong.assert_problem(401), unknown.assert_problem(401));
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_requests_are_named_problems() {
    let app = start_app("auth-bad").await;
    let missing = post(&app, "/api/session", json!({"email": "anna@example.com"})).await.assert_problem(400);
    assert_eq!(missing["field"], "password");
    let not_json = Reply::from(app.client.post(app.url("/api/session")).body("{email").send().await).await;
    not_json.assert_problem(400);
    let huge = Reply::from(app.client.post(app.url("/api/session")).body(vec![b' '; 70 * 1024]).send().await).await;
    huge.assert_problem(413);
    let wrong_method = Reply::from(app.client.put(app.url("/api/session")).send().await).await;
    wrong_method.assert_problem(405);
    assert_eq!(wrong_method.header("allow"), Some("GET, POST, DELETE"));
    app.get("/api/session/elsewhere").await.assert_problem(404);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_unknown_and_missing_tokens_are_401() {
    let app = start_app("auth-tokens").await;
    app.get("/api/session").await.assert_problem(401);
    for token in ["short", "x".repeat(43).as_str(), &"ä".repeat(43), "a b"] {
        Reply::from(app.client.get(app.url("/api/session")).header("authorization", format!("Bearer {token}")).send().await)
            .await
            .assert_problem(401);
    }
    Reply::from(app.client.get(app.url("/api/session")).header("authorization", "Basic YW5uYTpkZW1v").send().await)
        .await
        .assert_problem(401);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_are_throttled_with_retry_after() {
    let app = start_app("auth-throttle").await;
    for _ in 0..5 {
        post(&app, "/api/session", json!({"email": "anna@example.com", "password": "guess"})).await.assert_problem(401);
    }
    let throttled = post(&app, "/api/session", json!({"email": "anna@example.com", "password": "demo"})).await;
    throttled.assert_problem(429);
    let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");

    // After the lockout, the right password works again.
    app.clock().advance(std::time::Duration::from_secs(retry_after));
    assert_eq!(post(&app, "/api/session", json!({"email": "anna@example.com", "password": "demo"})).await.status, 201);

    // Many failures from one client lock that client out across accounts.
    for i in 0..20 {
        post(&app, "/api/session", json!({"email": format!("user{i}@example.com"), "password": "x"})).await;
    }
    post(&app, "/api/session", json!({"email": "marco@example.com", "password": "demo"})).await.assert_problem(429);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn single_sign_on_exchanges_a_signed_jwt_for_a_session() {
    let app = start_app("auth-sso").await;
    let hs = post(&app, "/api/session/sso", json!({"token": hs256(SECRET, &claims(&app, "lena@example.com"))})).await;
    assert_eq!(hs.status, 201, "{}", hs.text);
    let user = &hs.json()["user"];
    assert_eq!(user["email"], "lena@example.com");
    assert_eq!(user["lang"], "de");
    assert_eq!(user["roles"], json!(["buyer"]), "single sign-on never grants the agent role");
    let token = hs.json()["token"].as_str().unwrap().to_string();
    assert_eq!(whoami(&app, &token).await.json()["user"]["email"], "lena@example.com");

    let es = post(&app, "/api/session/sso", json!({"token": es256(&es256_key(), &claims(&app, "anna@example.com"))})).await;
    assert_eq!(es.status, 201, "{}", es.text);
    assert_eq!(es.json()["user"]["id"], "u-anna", "a known email signs in to its account");
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn single_sign_on_refuses_every_bad_token() {
    let app = start_app("auth-sso-bad").await;
    let good = claims(&app, "lena@example.com");
    let with = |key: &str, value: Value| {
        let mut c = good.clone();
        c[key] = value;
        c
    };
    let none = format!("{}.", unsigned("none", &good));
    let cases = [
        ("alg none", none),
        ("wrong HS256 key", hs256("another secret entirely, also long", &good)),
        ("wrong ES256 key", es256(&SigningKey::from_slice(&[7u8; 32]).unwrap(), &good)),
        ("wrong issuer", hs256(SECRET, &with("iss", json!("https://evil.example")))),
        ("wrong audience", hs256(SECRET, &with("aud", json!("someone-else")))),
        ("expired", hs256(SECRET, &with("exp", json!(now(&app) - 3600)))),
        ("garbage", "not.a.jwt".to_string()),
    ];
    for (case, token) in cases {
        let reply = post(&app, "/api/session/sso", json!({ "token": token })).await;
        assert_eq!(reply.status, 401, "{case}: {}", reply.text);
        reply.assert_problem(401);
    }
    app.shutdown().await;
}
