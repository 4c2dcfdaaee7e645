//! `allowed_outbound_hosts`: which URLs a component may call, in Spin's syntax
//! (`https://api.example.com`, `http://localhost:3000`, `https://*.example.com`,
//! `*://*:*`, `http://self`, `http://*.spin.internal`).

use anyhow::{Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.suffix`: any subdomain of `suffix`.
    Subdomain(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortPattern {
    Any,
    Exact(u16),
}

#[derive(Debug, Clone)]
struct AllowedHost {
    scheme: Option<String>,
    host: HostPattern,
    port: PortPattern,
}

/// The parsed `allowed_outbound_hosts` of one component.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts {
    hosts: Vec<AllowedHost>,
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowedHosts {
    pub fn parse(entries: &[String]) -> Result<Self> {
        let hosts = entries.iter().map(|e| parse_entry(e)).collect::<Result<_>>()?;
        Ok(Self { hosts })
    }

    /// Whether a request to `scheme://host:port` may go out.
    pub fn allows(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        let host = host.to_ascii_lowercase();
        let Some(port) = port.or_else(|| default_port(scheme)) else { return false };
        self.hosts.iter().any(|allowed| {
            allowed.scheme.as_deref().is_none_or(|s| s == scheme)
                && match &allowed.host {
                    HostPattern::Any => true,
                    HostPattern::Exact(h) => *h == host,
                    HostPattern::Subdomain(suffix) => host.len() > suffix.len() + 1
                        && host.ends_with(suffix.as_str())
                        && host.as_bytes()[host.len() - suffix.len() - 1] == b'.',
                }
                && match allowed.port {
                    PortPattern::Any => true,
                    PortPattern::Exact(p) => p == port,
                }
        })
    }
}

fn parse_entry(entry: &str) -> Result<AllowedHost> {
    let Some((scheme, rest)) = entry.split_once("://") else {
        bail!("allowed_outbound_hosts entry {entry:?} needs a scheme, e.g. \"https://{entry}\"");
    };
    if rest.contains('/') {
        bail!("allowed_outbound_hosts entry {entry:?} must not contain a path");
    }
    let scheme = match scheme {
        "*" => None,
        s if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+') => Some(s.to_string()),
        _ => bail!("allowed_outbound_hosts entry {entry:?} has an invalid scheme"),
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host = match host {
        "*" => HostPattern::Any,
        h if h.starts_with("*.") && h.len() > 2 => HostPattern::Subdomain(h[2..].to_ascii_lowercase()),
        h if !h.is_empty() && !h.contains('*') => HostPattern::Exact(h.to_ascii_lowercase()),
        _ => bail!("allowed_outbound_hosts entry {entry:?} has an invalid host"),
    };
    let port = match port {
        Some("*") => PortPattern::Any,
        Some(p) => PortPattern::Exact(
            p.parse().map_err(|_| anyhow::anyhow!("allowed_outbound_hosts entry {entry:?} has an invalid port"))?,
        ),
        None => match scheme.as_deref().and_then(default_port) {
            Some(p) => PortPattern::Exact(p),
            None if matches!(&host, HostPattern::Exact(h) if h == "self") => PortPattern::Any,
            None if host == HostPattern::Subdomain("spin.internal".into()) => PortPattern::Any,
            None => bail!("allowed_outbound_hosts entry {entry:?} needs a port for that scheme"),
        },
    };
    Ok(AllowedHost { scheme, host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(entries: &[&str]) -> AllowedHosts {
        AllowedHosts::parse(&entries.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn exact_host_uses_the_scheme_default_port() {
        let a = allowed(&["https://api.example.com"]);
        assert!(a.allows("https", "api.example.com", None));
        assert!(a.allows("https", "API.example.com", Some(443)));
        assert!(!a.allows("https", "api.example.com", Some(8443)));
        assert!(!a.allows("http", "api.example.com", None));
        assert!(!a.allows("https", "evil.com", None));
    }

    #[test]
    fn wildcards_for_subdomains_ports_and_schemes() {
        let a = allowed(&["https://*.example.com", "http://localhost:*"]);
        assert!(a.allows("https", "a.example.com", None));
        assert!(!a.allows("https", "example.com", None));
        assert!(!a.allows("https", "badexample.com", None));
        assert!(a.allows("http", "localhost", Some(3000)));
        assert!(allowed(&["*://*:*"]).allows("http", "anything", Some(1)));
    }

    #[test]
    fn nothing_is_allowed_by_default() {
        assert!(!AllowedHosts::default().allows("https", "example.com", None));
    }

    #[test]
    fn malformed_entries_are_errors() {
        for bad in ["example.com", "https://example.com/path", "https://exa*mple.com", "https://x:port"] {
            assert!(AllowedHosts::parse(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
