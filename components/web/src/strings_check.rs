//! The page's strings (`assets/strings.json`): every language has every key,
//! with the same placeholders, and every key the scripts ask for exists.

use crate::site::{ASSETS, asset};
use api_conventions::LANGUAGES;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

fn strings() -> Map<String, Value> {
    let bytes = asset("strings.json")
        .expect("strings.json is an asset")
        .bytes;
    match serde_json::from_slice(bytes).expect("strings.json is JSON") {
        Value::Object(map) => map,
        other => panic!("strings.json is not an object: {other}"),
    }
}

fn language(strings: &Map<String, Value>, code: &str) -> Map<String, Value> {
    match strings.get(code) {
        Some(Value::Object(map)) => map.clone(),
        _ => panic!("strings.json has no {code:?} object"),
    }
}

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn exactly_the_nine_languages() {
    let strings = strings();
    let codes: BTreeSet<&str> = strings.keys().map(String::as_str).collect();
    assert_eq!(codes, LANGUAGES.into_iter().collect());
}

#[test]
fn every_language_has_every_key_with_the_same_placeholders() {
    let strings = strings();
    let english = language(&strings, "en");
    for code in LANGUAGES {
        let other = language(&strings, code);
        for (key, text) in &english {
            let translated = other.get(key).and_then(Value::as_str);
            let translated = translated.unwrap_or_else(|| panic!("{code} misses {key:?}"));
            assert!(!translated.trim().is_empty(), "{code}: {key:?} is empty");
            assert_eq!(
                placeholders(translated),
                placeholders(text.as_str().unwrap_or_default()),
                "{code}: {key:?}"
            );
        }
        let extra: Vec<&String> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(extra.is_empty(), "{code} has keys English lacks: {extra:?}");
    }
}

/// Single-quoted literals of the scripts that look like string keys
/// (`'contact.send'`); file names and storage keys have other shapes. Every
/// piece between two quotes is looked at, so an apostrophe in a comment
/// cannot hide a key.
fn quoted_keys(script: &str) -> Vec<&str> {
    script
        .split('\'')
        .filter(|s| {
            s.contains('.')
                && s.split('.').all(|part| {
                    !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                })
        })
        .collect()
}

#[test]
fn every_key_the_scripts_use_exists() {
    let english = language(&strings(), "en");
    let mut checked = 0;
    for script in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
        let text = std::str::from_utf8(script.bytes).expect("scripts are UTF-8");
        for key in quoted_keys(text) {
            // `label('case.status', ...)` names a family: some key must start with it.
            let family = format!("{key}.");
            assert!(
                english.contains_key(key) || english.keys().any(|k| k.starts_with(&family)),
                "{} uses {key:?}, which strings.json lacks",
                script.name
            );
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "the scan found only {checked} keys: is it still reading the scripts?"
    );
}

#[test]
fn every_value_the_api_sends_has_a_label() {
    let english = language(&strings(), "en");
    let families: [(&str, &[&str]); 6] = [
        ("channel", &["email", "chat", "phone"]),
        (
            "order.state",
            &[
                "awaiting_payment",
                "paid",
                "shipped",
                "delivered",
                "cancelled",
                "refunded",
            ],
        ),
        (
            "case.status",
            &[
                "open",
                "in_review",
                "waiting_on_buyer",
                "waiting_on_seller",
                "resolved",
                "closed",
            ],
        ),
        ("case.from", &["buyer", "seller", "agent"]),
        (
            "resolution.kind",
            &[
                "partial_refund",
                "full_refund",
                "order_cancellation",
                "account_restriction",
                "account_suspension",
                "law_enforcement_referral",
            ],
        ),
        ("resolution.category", &["counterfeit", "fraud"]),
    ];
    for (family, values) in families {
        for value in values {
            assert!(
                english.contains_key(&format!("{family}.{value}")),
                "{family}.{value}"
            );
        }
    }
    for channel in ["email", "chat", "phone"] {
        assert!(
            english.contains_key(&format!("channel.{channel}_hint")),
            "channel.{channel}_hint"
        );
    }
    for filter in ["status", "lang", "channel"] {
        assert!(
            english.contains_key(&format!("queue.{filter}")),
            "queue.{filter}"
        );
    }
}

#[test]
fn the_scan_sees_keys_and_skips_other_literals() {
    let script = "t('ask.submit'); import('./api.js'); localStorage.getItem('help-center.lang'); label('case.status', s)";
    assert_eq!(quoted_keys(script), ["ask.submit", "case.status"]);
}
