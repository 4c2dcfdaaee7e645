//! The query of `GET /api/orders`: `state`, `limit`, and either `cursor` or
//! `page`. Anything malformed is a `400` naming the parameter, so a client
//! learns which one to fix.

use api_conventions::{Problem, number_param, query_pairs};
use marketplace::OrderState;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Far past any buyer's orders: a bound, so the number cannot overflow.
pub const MAX_PAGE: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// The first page.
    Start,
    /// After the order with this id (the previous page's `next_cursor`).
    After(String),
    /// A 1-based page number.
    Page(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub state: Option<OrderState>,
    pub limit: usize,
    pub position: Position,
}

/// Parses a raw query string (without the `?`).
pub fn parse(query: &str) -> Result<ListQuery, Problem> {
    let mut parsed = ListQuery { state: None, limit: DEFAULT_LIMIT, position: Position::Start };
    // Other parameters (e.g. `lang`, cache busters) do not concern this route;
    // a repeated one is ambiguous, a `400` rather than a guess.
    let pairs = query_pairs(query, &["state", "limit", "cursor", "page"])?;
    for &(name, value) in &pairs {
        match name {
            "state" => {
                let state = OrderState::parse(value).ok_or_else(|| {
                    let states: Vec<&str> = OrderState::ALL.iter().map(|s| s.as_str()).collect();
                    Problem::invalid_field("state", format!("`state` must be one of {}.", states.join(", ")))
                })?;
                parsed.state = Some(state);
            }
            "limit" => {
                parsed.limit = number_param("limit", value, 1, MAX_LIMIT)?;
            }
            "cursor" => {
                if value.is_empty() || !marketplace::is_plausible_id(value) {
                    return Err(Problem::invalid_field("cursor", "`cursor` must be the `next_cursor` of a previous page."));
                }
                parsed.position = Position::After(value.to_string());
            }
            "page" => {
                parsed.position = Position::Page(number_param("page", value, 1, MAX_PAGE)?);
            }
            // `query_pairs` returns only the four names above.
            _ => {}
        }
    }
    let given = |wanted: &str| pairs.iter().any(|(name, _)| *name == wanted);
    if given("cursor") && given("page") {
        return Err(Problem::invalid_field("page", "Use either `cursor` or `page`, not both."));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(query: &str) -> String {
        let p = parse(query).unwrap_err();
        assert_eq!(p.status, 400);
        p.extensions["field"].as_str().unwrap().to_string()
    }

    #[test]
    fn defaults_and_valid_values() {
        assert_eq!(parse("").unwrap(), ListQuery { state: None, limit: DEFAULT_LIMIT, position: Position::Start });
        let q = parse("state=shipped&limit=5&cursor=ord-7Q2K9&lang=it").unwrap();
        assert_eq!(q.state, Some(OrderState::Shipped));
        assert_eq!(q.limit, 5);
        assert_eq!(q.position, Position::After("ord-7Q2K9".into()));
        assert_eq!(parse("page=3").unwrap().position, Position::Page(3));
    }

    #[test]
    fn bad_parameters_are_named() {
        assert_eq!(field("state=lost"), "state");
        assert_eq!(field("state="), "state");
        assert_eq!(field("limit=0"), "limit");
        assert_eq!(field("limit=101"), "limit");
        assert_eq!(field("limit=-1"), "limit");
        assert_eq!(field("limit=abc"), "limit");
        assert_eq!(field("page=0"), "page");
        assert_eq!(field("cursor=a%2Fb"), "cursor");
        assert_eq!(field("cursor=x&page=2"), "page");
        assert_eq!(field("limit=1&limit=2"), "limit");
    }
}
