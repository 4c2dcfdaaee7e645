//! Checking the stores and reporting on them, over the `KeyValue` trait so
//! it runs natively in tests.

use api_conventions::{ApiResponse, ApiResult, Problem};
use key_value::{KeyValue, StoreError};
use serde::Serialize;
use serde_json::json;
use std::time::{Duration, Instant};

/// Every store the app uses (a test keeps this equal to `spin.toml`, where
/// this component lists them all in `key_value_stores`).
pub const STORES: [&str; 5] = [
    "sessions",
    "marketplace",
    "conversations",
    "cases",
    "presence",
];

/// The key each check reads. Nobody writes it: the read proves the backend
/// answers, whatever it holds.
const PROBE_KEY: &str = "health:probe";

/// How one store's read went.
pub struct StoreCheck {
    pub store: &'static str,
    pub outcome: Result<(), StoreError>,
    pub latency: Duration,
}

/// Opens and reads each of [`STORES`] in turn. Spin's key-value calls block,
/// so the checks are sequential: with a backend that does not answer, the
/// route takes up to the host's connection timeout per store.
pub fn check_all<S: KeyValue>(
    open: impl Fn(&'static str) -> Result<S, StoreError>,
) -> Vec<StoreCheck> {
    STORES
        .iter()
        .map(|&store| {
            let started = Instant::now();
            let outcome = open(store).and_then(|s| s.get(PROBE_KEY)).map(drop);
            StoreCheck {
                store,
                outcome,
                latency: started.elapsed(),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct StoreStatus {
    store: &'static str,
    status: &'static str,
    latency_ms: f64,
}

fn statuses(checks: &[StoreCheck]) -> Vec<StoreStatus> {
    checks
        .iter()
        .map(|c| StoreStatus {
            store: c.store,
            status: if c.outcome.is_ok() {
                "ok"
            } else {
                "unavailable"
            },
            // Milliseconds with three decimals: enough to tell SQLite from a remote Redis.
            latency_ms: (c.latency.as_secs_f64() * 1_000_000.0).round() / 1000.0,
        })
        .collect()
}

/// `200 {status: "ok", region, stores}`, or a `503` problem naming the failed stores.
pub fn report(region: &str, checks: &[StoreCheck]) -> ApiResult {
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.outcome.is_err())
        .map(|c| c.store)
        .collect();
    let stores = statuses(checks);
    if failed.is_empty() {
        let body = json!({"status": "ok", "region": region, "stores": stores});
        return Ok(ApiResponse::json(200, &body).with_header("cache-control", "no-store"));
    }
    let detail = format!(
        "The {} store{} did not answer a read; requests that need {} fail until the key-value backend is back.",
        failed.join(", "),
        if failed.len() == 1 { "" } else { "s" },
        if failed.len() == 1 { "it" } else { "them" },
    );
    Err(Problem::unavailable(detail)
        .with_header("cache-control", "no-store")
        .with_extension("region", json!(region))
        .with_extension("failed", json!(failed))
        .with_extension("stores", json!(stores)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose backend answers, or is down.
    struct Backend {
        down: bool,
    }

    impl KeyValue for Backend {
        fn get(&self, _: &str) -> Result<Option<Vec<u8>>, StoreError> {
            if self.down {
                Err(StoreError(
                    "the Redis key-value store is unreachable".into(),
                ))
            } else {
                Ok(None)
            }
        }
        fn set(&self, _: &str, _: &[u8]) -> Result<(), StoreError> {
            unreachable!("the health check never writes")
        }
        fn delete(&self, _: &str) -> Result<(), StoreError> {
            unreachable!("the health check never deletes")
        }
    }

    #[test]
    fn all_stores_answering_is_200_with_each_store_and_the_region() {
        let checks = check_all(|_| Ok(Backend { down: false }));
        let response = report("eu-west", &checks).unwrap();
        assert_eq!(response.status, 200);
        let body = response.json_body();
        assert_eq!(body["status"], "ok");
        assert_eq!(body["region"], "eu-west");
        let stores = body["stores"].as_array().unwrap();
        assert_eq!(stores.len(), STORES.len());
        for (entry, name) in stores.iter().zip(STORES) {
            assert_eq!(entry["store"], name);
            assert_eq!(entry["status"], "ok");
            assert!(
                entry["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
                "{entry}"
            );
        }
        assert!(
            response
                .headers
                .contains(&("cache-control".into(), "no-store".into()))
        );
    }

    #[test]
    fn a_store_that_fails_its_read_or_its_open_is_a_503_naming_it() {
        let checks = check_all(|label| match label {
            "cases" => Ok(Backend { down: true }),
            "presence" => Err(StoreError("cannot open the \"presence\" store".into())),
            _ => Ok(Backend { down: false }),
        });
        let problem = report("us-east", &checks).unwrap_err();
        assert_eq!(problem.status, 503);
        let response = problem.into_response();
        assert_eq!(
            response.headers[0],
            ("content-type".into(), "application/problem+json".into())
        );
        let body = response.json_body();
        assert_eq!(body["failed"], json!(["cases", "presence"]));
        assert_eq!(body["region"], "us-east");
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("cases, presence stores"),
            "{body}"
        );
        let status_of = |name: &str| {
            body["stores"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["store"] == name)
                .unwrap()["status"]
                .clone()
        };
        assert_eq!(status_of("sessions"), "ok");
        assert_eq!(status_of("cases"), "unavailable");
        // The backend's own message (host names, addresses) is not in the public answer.
        assert!(!response.body.windows(5).any(|w| w == b"Redis"), "{body}");
    }

    /// Every store of spin.toml is checked, and the component lists them all.
    #[test]
    fn the_checked_stores_are_every_store_spin_toml_uses() {
        let manifest: toml::Table = toml::from_str(
            &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml"))
                .unwrap(),
        )
        .unwrap();
        let stores_of = |component: &toml::Value| -> Vec<String> {
            component
                .get("key_value_stores")
                .and_then(|s| s.as_array())
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        };
        let components = manifest["component"].as_table().unwrap();
        let mut used: Vec<String> = components.values().flat_map(stores_of).collect();
        used.sort();
        used.dedup();
        let mut checked: Vec<String> = STORES.iter().map(|s| s.to_string()).collect();
        checked.sort();
        assert_eq!(
            checked, used,
            "the health check must read every store the app uses"
        );
        if let Some(health) = components.get("health") {
            let mut declared = stores_of(health);
            declared.sort();
            assert_eq!(declared, used, "[component.health] must list every store");
        }
    }
}
