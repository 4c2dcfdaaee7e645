//! Spin's HTTP route rules: exact routes, `:name` segments, trailing `/...`
//! wildcards, and the most specific matching route wins.

use anyhow::{Result, bail};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

#[derive(Debug, Clone)]
pub struct RoutePattern {
    raw: String,
    segments: Vec<Segment>,
    wildcard: bool,
}

/// A route a request matched, with what Spin tells the component about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub component: String,
    /// The route as written in `spin.toml`.
    pub raw_route: String,
    /// The route without its trailing `/...`.
    pub component_route: String,
    /// The part of the path after the route's fixed part (wildcards only).
    pub path_info: String,
    pub params: Vec<(String, String)>,
}

impl RoutePattern {
    pub fn parse(raw: &str) -> Result<Self> {
        let Some(rest) = raw.strip_prefix('/') else {
            bail!("route {raw:?} must start with '/'");
        };
        let (rest, wildcard) = if rest == "..." {
            ("", true)
        } else if let Some(prefix) = rest.strip_suffix("/...") {
            (prefix, true)
        } else {
            (rest, false)
        };
        let mut segments = Vec::new();
        if !rest.is_empty() {
            for seg in rest.split('/') {
                if seg.contains("...") {
                    bail!("route {raw:?}: '...' is only allowed as the last segment");
                }
                segments.push(match seg.strip_prefix(':') {
                    Some(name) if !name.is_empty() => Segment::Param(name.to_string()),
                    Some(_) => bail!("route {raw:?}: a ':' segment needs a name"),
                    None => Segment::Literal(seg.to_string()),
                });
            }
        }
        Ok(Self { raw: raw.to_string(), segments, wildcard })
    }

    /// The route's specificity when it matches: compared segment by segment,
    /// a literal beats a parameter, which beats the end of an exact route,
    /// which beats a wildcard.
    fn specificity(&self) -> Vec<u8> {
        let mut rank: Vec<u8> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(_) => 3,
                Segment::Param(_) => 2,
            })
            .collect();
        rank.push(if self.wildcard { 0 } else { 1 });
        rank
    }

    fn matches(&self, path: &str) -> Option<(String, Vec<(String, String)>)> {
        let path = path.strip_prefix('/')?;
        let parts: Vec<&str> = if path.is_empty() { Vec::new() } else { path.split('/').collect() };
        if parts.len() < self.segments.len() || (!self.wildcard && parts.len() != self.segments.len()) {
            return None;
        }
        let mut params = Vec::new();
        for (seg, part) in self.segments.iter().zip(&parts) {
            match seg {
                Segment::Literal(lit) if lit == part => {}
                Segment::Param(name) if !part.is_empty() => params.push((name.clone(), part.to_string())),
                _ => return None,
            }
        }
        let rest = &parts[self.segments.len()..];
        let path_info = if rest.is_empty() { String::new() } else { format!("/{}", rest.join("/")) };
        Some((path_info, params))
    }

    fn component_route(&self) -> String {
        self.raw.strip_suffix("/...").or_else(|| self.raw.strip_suffix("...")).unwrap_or(&self.raw).to_string()
    }
}

/// The application's routing table.
#[derive(Debug, Default)]
pub struct Router {
    routes: Vec<(RoutePattern, String)>,
}

impl Router {
    pub fn build<'a>(routes: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self> {
        let mut router = Router::default();
        for (route, component) in routes {
            let pattern = RoutePattern::parse(route)?;
            if let Some((_, other)) = router.routes.iter().find(|(p, _)| p.raw == pattern.raw) {
                bail!("route {route:?} is claimed by both {other:?} and {component:?}; each route must belong to one component");
            }
            router.routes.push((pattern, component.to_string()));
        }
        Ok(router)
    }

    /// The most specific route matching `path` (the path without query).
    pub fn route(&self, path: &str) -> Option<RouteMatch> {
        self.routes
            .iter()
            .filter_map(|(pattern, component)| {
                pattern.matches(path).map(|(path_info, params)| (pattern, component, path_info, params))
            })
            .max_by(|a, b| a.0.specificity().cmp(&b.0.specificity()))
            .map(|(pattern, component, path_info, params)| RouteMatch {
                component: component.clone(),
                raw_route: pattern.raw.clone(),
                component_route: pattern.component_route(),
                path_info,
                params,
            })
    }

    /// Spin's path info for a request chained to `component` through `*.spin.internal`.
    pub fn match_for_component(&self, component: &str, path: &str) -> RouteMatch {
        let pattern = self.routes.iter().find(|(p, c)| c == component && p.matches(path).is_some());
        match pattern {
            Some((pattern, _)) => {
                let (path_info, params) = pattern.matches(path).unwrap_or_default();
                RouteMatch {
                    component: component.to_string(),
                    raw_route: pattern.raw.clone(),
                    component_route: pattern.component_route(),
                    path_info,
                    params,
                }
            }
            None => RouteMatch {
                component: component.to_string(),
                raw_route: "/...".into(),
                component_route: String::new(),
                path_info: path.to_string(),
                params: Vec::new(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        Router::build([
            ("/...", "web"),
            ("/api/session", "auth"),
            ("/api/session/...", "auth-extra"),
            ("/api/orders/...", "orders"),
            ("/api/orders/:id/label", "labels"),
            ("/api/health", "health"),
        ])
        .unwrap()
    }

    fn winner(path: &str) -> String {
        router().route(path).map(|m| m.component).unwrap_or_default()
    }

    #[test]
    fn exact_route_beats_wildcards() {
        assert_eq!(winner("/api/session"), "auth");
        assert_eq!(winner("/api/session/sso"), "auth-extra");
    }

    #[test]
    fn longer_wildcard_beats_shorter() {
        assert_eq!(winner("/api/orders/42"), "orders");
        assert_eq!(winner("/api/orders"), "orders");
        assert_eq!(winner("/api/other"), "web");
        assert_eq!(winner("/"), "web");
    }

    #[test]
    fn literal_beats_parameter_and_parameter_is_captured() {
        let m = router().route("/api/orders/42/label").unwrap();
        assert_eq!(m.component, "labels");
        assert_eq!(m.params, vec![("id".to_string(), "42".to_string())]);
    }

    #[test]
    fn exact_route_does_not_match_a_trailing_slash() {
        assert_eq!(winner("/api/health/"), "web");
    }

    #[test]
    fn path_info_is_what_follows_the_wildcard() {
        let m = router().route("/api/orders/42/items").unwrap();
        assert_eq!(m.path_info, "/42/items");
        assert_eq!(m.component_route, "/api/orders");
        assert_eq!(router().route("/api/session").unwrap().path_info, "");
    }

    #[test]
    fn duplicate_routes_are_rejected() {
        assert!(Router::build([("/a", "x"), ("/a", "y")]).is_err());
    }

    #[test]
    fn no_route_means_none() {
        let r = Router::build([("/api/...", "api")]).unwrap();
        assert!(r.route("/other").is_none());
    }
}
