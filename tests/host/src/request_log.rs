//! One JSON line per request served: when, what route of which component,
//! the status and latency, the region, and the case the request was about.
//!
//! Only what the host decided goes in: the method, the manifest's route
//! pattern (never the raw path, whose query string or ids could carry
//! secrets), and a case id taken from `/api/cases/<id>` only when it looks
//! like one. Never a header, a token or a body.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the request lines go.
#[derive(Clone, Default)]
pub enum LogSink {
    /// The process's stderr, one line per request.
    #[default]
    Stderr,
    /// Kept in memory, for tests to read back with [`LogSink::lines`].
    Memory(Arc<Mutex<Vec<String>>>),
}

impl LogSink {
    pub fn memory() -> Self {
        Self::Memory(Arc::default())
    }

    /// The lines kept so far (none for [`LogSink::Stderr`]).
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::Stderr => Vec::new(),
            Self::Memory(lines) => lines.lock().map(|l| l.clone()).unwrap_or_default(),
        }
    }

    pub(crate) fn write(&self, line: String) {
        match self {
            // One write of the whole line, so lines of concurrent requests never interleave.
            Self::Stderr => {
                let mut line = line;
                line.push('\n');
                let _ = std::io::stderr().lock().write_all(line.as_bytes());
            }
            Self::Memory(lines) => {
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line);
                }
            }
        }
    }
}

/// What one request's line says.
pub(crate) struct RequestRecord<'a> {
    pub time: jiff::Timestamp,
    pub method: &'a str,
    /// The manifest route that matched; `None` when none did.
    pub route: Option<&'a str>,
    pub component: Option<&'a str>,
    /// Only read for the case id; never written out.
    pub path: &'a str,
    pub status: u16,
    pub latency: Duration,
    pub region: &'a str,
}

impl RequestRecord<'_> {
    /// The JSON line, built in one buffer.
    pub fn line(&self) -> String {
        let mut line = String::with_capacity(192);
        let _ = write!(
            line,
            "{{\"time\":\"{}\",\"method\":",
            self.time
                .round(jiff::Unit::Millisecond)
                .unwrap_or(self.time)
        );
        push_json_string(&mut line, self.method);
        line.push_str(",\"route\":");
        push_optional(&mut line, self.route);
        line.push_str(",\"component\":");
        push_optional(&mut line, self.component);
        let _ = write!(
            line,
            ",\"status\":{},\"latency_ms\":{:.3},\"region\":",
            self.status,
            self.latency.as_secs_f64() * 1000.0
        );
        push_json_string(&mut line, self.region);
        if let Some(id) = case_id(self.path) {
            line.push_str(",\"case_id\":");
            push_json_string(&mut line, id);
        }
        line.push('}');
        line
    }
}

/// The id in `/api/cases/<id>[/...]`, when it has the shape of one (letters,
/// digits, `-` and `_`, at most 64), so nothing else a client typed is logged.
pub(crate) fn case_id(path: &str) -> Option<&str> {
    let id = path.strip_prefix("/api/cases/")?.split('/').next()?;
    let plausible = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plausible.then_some(id)
}

fn push_optional(line: &mut String, value: Option<&str>) {
    match value {
        Some(value) => push_json_string(line, value),
        None => line.push_str("null"),
    }
}

fn push_json_string(line: &mut String, value: &str) {
    line.push('"');
    for c in value.chars() {
        match c {
            '"' => line.push_str("\\\""),
            '\\' => line.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(line, "\\u{:04x}", c as u32);
            }
            c => line.push(c),
        }
    }
    line.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn record<'a>(path: &'a str, route: Option<&'a str>) -> RequestRecord<'a> {
        RequestRecord {
            time: "2026-11-24T09:00:00.123456Z".parse().unwrap(),
            method: "POST",
            route,
            component: route.map(|_| "cases"),
            path,
            status: 201,
            latency: Duration::from_micros(2500),
            region: "eu-west",
        }
    }

    #[test]
    fn a_line_is_one_json_object_with_the_route_pattern_not_the_path() {
        let line = record("/api/cases/EU-7K2Q/messages", Some("/api/cases/...")).line();
        assert!(!line.contains('\n'));
        let parsed: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(
            parsed,
            json!({"time": "2026-11-24T09:00:00.123Z", "method": "POST", "route": "/api/cases/...", "component": "cases",
                   "status": 201, "latency_ms": 2.5, "region": "eu-west", "case_id": "EU-7K2Q"})
        );
    }

    #[test]
    fn an_unmatched_request_has_no_route_nor_component() {
        let parsed: Value =
            serde_json::from_str(&record("/nowhere?token=secret", None).line()).unwrap();
        assert_eq!(
            (parsed["route"].clone(), parsed["component"].clone()),
            (Value::Null, Value::Null)
        );
        assert!(parsed.get("case_id").is_none());
    }

    #[test]
    fn only_a_plausible_case_id_is_taken_from_the_path() {
        assert_eq!(case_id("/api/cases/EU-1"), Some("EU-1"));
        assert_eq!(
            case_id("/api/cases/us_east-9/resolution"),
            Some("us_east-9")
        );
        assert_eq!(case_id("/api/cases"), None);
        assert_eq!(case_id("/api/cases/"), None);
        assert_eq!(case_id("/api/cases/a%22b"), None);
        assert_eq!(case_id("/api/cases/bearer%20abc.def"), None);
        assert_eq!(case_id(&format!("/api/cases/{}", "x".repeat(65))), None);
        assert_eq!(case_id("/api/orders/ord-1"), None);
    }

    #[test]
    fn strings_are_escaped() {
        let mut line = String::new();
        push_json_string(&mut line, "a\"b\\c\nd");
        assert_eq!(serde_json::from_str::<String>(&line).unwrap(), "a\"b\\c\nd");
    }

    #[test]
    fn the_memory_sink_keeps_lines_in_order() {
        let sink = LogSink::memory();
        sink.write("one".into());
        sink.write("two".into());
        assert_eq!(sink.lines(), ["one", "two"]);
        assert!(LogSink::Stderr.lines().is_empty());
    }
}
